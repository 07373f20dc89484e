// Turns the Markdown tree (chat/markdown.ts) into DOM nodes. Only elements
// and text nodes are made, links get rel="noopener noreferrer nofollow", so a
// model's answer can never inject markup or scripts.
import { type Block, type Inline, parse_markdown } from '../chat/markdown';
import { h } from './dom';

function inline(nodes: Inline[]): Node[] {
  return nodes.map((node): Node => {
    switch (node.kind) {
      case 'text':
        return document.createTextNode(node.text);
      case 'code':
        return h('code', {}, node.text);
      case 'em':
        return h('em', {}, ...inline(node.children));
      case 'strong':
        return h('strong', {}, ...inline(node.children));
      case 'link':
        return h('a', { href: node.href, rel: 'noopener noreferrer nofollow', target: '_blank' }, ...inline(node.children));
      case 'break':
        return h('br');
    }
  });
}

function block(node: Block): Node {
  switch (node.kind) {
    case 'heading':
      return h(`h${Math.min(node.level + 2, 6)}` as 'h3', {}, ...inline(node.children));
    case 'paragraph':
      return h('p', {}, ...inline(node.children));
    case 'code':
      return h('pre', {}, h('code', node.language ? { 'data-language': node.language } : {}, node.text));
    case 'quote':
      return h('blockquote', {}, ...node.children.map(block));
    case 'list': {
      const items = node.items.map((item) => h('li', {}, ...item.map(block)));
      return node.ordered ? h('ol', node.start !== 1 ? { start: String(node.start) } : {}, ...items) : h('ul', {}, ...items);
    }
    case 'rule':
      return h('hr');
  }
}

// Returns the DOM for Markdown `text`.
export function render_markdown(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const node of parse_markdown(text)) fragment.appendChild(block(node));
  return fragment;
}
