// A small Markdown parser for the assistant's answers, producing a tree that
// the renderer turns into DOM nodes (never HTML): so whatever a model writes,
// raw HTML included, is shown as text. It covers what chat answers use:
// headings, paragraphs, fenced code, block quotes, lists, emphasis, strong,
// inline code and links (http, https and mailto only). It is re-run on the
// whole text at every streamed delta, so it must accept any prefix.

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'em' | 'strong'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'break' };

export type Block =
  | { kind: 'heading'; level: number; children: Inline[] }
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'code'; language: string; text: string }
  | { kind: 'quote'; children: Block[] }
  | { kind: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { kind: 'rule' };

const kMaxDepth = 8;
const kSafeLink = /^(https?:\/\/|mailto:)[^\s]+$/i;

// Returns true if `href` may become a link.
export function is_safe_link(href: string): boolean {
  return kSafeLink.test(href);
}

// Parses inline markup of one block's text.
export function parse_inline(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const flush = () => {
    if (plain !== '') out.push({ kind: 'text', text: plain });
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const rest = text.slice(i);
    if (c === '\\' && i + 1 < text.length && /[\\`*_[\]()#>+\-.!]/.test(text[i + 1]!)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '\n') {
      flush();
      out.push({ kind: 'break' });
      i++;
      continue;
    }
    if (c === '`') {
      const ticks = /^`+/.exec(rest)![0];
      const end = text.indexOf(ticks, i + ticks.length);
      if (end > 0) {
        flush();
        out.push({ kind: 'code', text: text.slice(i + ticks.length, end).replace(/^ (.*) $/, '$1') });
        i = end + ticks.length;
        continue;
      }
    }
    if (depth < kMaxDepth && (c === '*' || c === '_')) {
      const strong = rest.startsWith(c + c);
      const marker = strong ? c + c : c;
      const end = text.indexOf(marker, i + marker.length);
      const inner = end > 0 ? text.slice(i + marker.length, end) : '';
      if (inner !== '' && !/^\s|\s$/.test(inner)) {
        flush();
        out.push({ kind: strong ? 'strong' : 'em', children: parse_inline(inner, depth + 1) });
        i = end + marker.length;
        continue;
      }
    }
    if (depth < kMaxDepth && c === '[') {
      const match = /^\[([^\]\n]*)\]\(([^)\s]*)\)/.exec(rest);
      if (match !== null) {
        flush();
        const children = parse_inline(match[1]!, depth + 1);
        if (is_safe_link(match[2]!)) out.push({ kind: 'link', href: match[2]!, children });
        else out.push(...children);
        i += match[0].length;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}

const kFence = /^(\s{0,3})(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const kHeading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const kRule = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const kQuote = /^\s{0,3}>\s?(.*)$/;
const kBullet = /^(\s{0,3})[-*+]\s+(.*)$/;
const kOrdered = /^(\s{0,3})(\d{1,9})[.)]\s+(.*)$/;

// Parses Markdown text into blocks.
export function parse_markdown(text: string, depth = 0): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const end_paragraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', children: parse_inline(paragraph.join('\n'), 0) });
    paragraph = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = kFence.exec(line);
    if (fence !== null) {
      end_paragraph();
      const marker = fence[2]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(marker)) body.push(lines[i++]!);
      i++; // the closing fence (absent while streaming)
      blocks.push({ kind: 'code', language: fence[3] ?? '', text: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      end_paragraph();
      i++;
      continue;
    }
    const heading = kHeading.exec(line);
    if (heading !== null) {
      end_paragraph();
      blocks.push({ kind: 'heading', level: heading[1]!.length, children: parse_inline(heading[2]!) });
      i++;
      continue;
    }
    if (kRule.test(line)) {
      end_paragraph();
      blocks.push({ kind: 'rule' });
      i++;
      continue;
    }
    if (depth < kMaxDepth && kQuote.test(line)) {
      end_paragraph();
      const quoted: string[] = [];
      while (i < lines.length && kQuote.test(lines[i]!)) quoted.push(kQuote.exec(lines[i++]!)![1]!);
      blocks.push({ kind: 'quote', children: parse_markdown(quoted.join('\n'), depth + 1) });
      continue;
    }
    const bullet = kBullet.exec(line);
    const ordered = kOrdered.exec(line);
    if (depth < kMaxDepth && (bullet !== null || ordered !== null)) {
      end_paragraph();
      const is_ordered = ordered !== null;
      const pattern = is_ordered ? kOrdered : kBullet;
      const items: string[][] = [];
      while (i < lines.length) {
        const item = pattern.exec(lines[i]!);
        if (item !== null) {
          items.push([item[is_ordered ? 3 : 2]!]);
        } else if (/^\s{2,}\S/.test(lines[i]!) && items.length > 0) {
          items[items.length - 1]!.push(lines[i]!.replace(/^\s{2,4}/, ''));
        } else {
          break;
        }
        i++;
      }
      blocks.push({
        kind: 'list',
        ordered: is_ordered,
        start: is_ordered ? Number(ordered![2]) : 1,
        items: items.map((item) => parse_markdown(item.join('\n'), depth + 1)),
      });
      continue;
    }
    paragraph.push(line);
    i++;
  }
  end_paragraph();
  return blocks;
}
