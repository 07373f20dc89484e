import { describe, expect, it } from 'vitest';
import { is_safe_link, parse_inline, parse_markdown } from './markdown';

describe('Markdown for answers', () => {
  it('parses the block forms chat answers use', () => {
    const blocks = parse_markdown('# Title\n\nSome *text* and **bold**.\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```ts\nlet x = 1;\n```\n\n---');
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'list', 'list', 'quote', 'code', 'rule']);
    expect(blocks[0]).toEqual({ kind: 'heading', level: 1, children: [{ kind: 'text', text: 'Title' }] });
    expect(blocks[1]).toEqual({
      kind: 'paragraph',
      children: [
        { kind: 'text', text: 'Some ' },
        { kind: 'em', children: [{ kind: 'text', text: 'text' }] },
        { kind: 'text', text: ' and ' },
        { kind: 'strong', children: [{ kind: 'text', text: 'bold' }] },
        { kind: 'text', text: '.' },
      ],
    });
    expect(blocks[3]).toMatchObject({ kind: 'list', ordered: true, start: 1 });
    expect(blocks[5]).toEqual({ kind: 'code', language: 'ts', text: 'let x = 1;' });
  });

  it('keeps raw HTML as text', () => {
    const blocks = parse_markdown('<img src=x onerror=alert(1)> <script>alert(1)</script>');
    expect(blocks).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: '<img src=x onerror=alert(1)> <script>alert(1)</script>' }] }]);
  });

  it('links only http, https and mailto targets', () => {
    expect(parse_inline('[site](https://example.com)')).toEqual([
      { kind: 'link', href: 'https://example.com', children: [{ kind: 'text', text: 'site' }] },
    ]);
    expect(parse_inline('[x](javascript:alert(1))')).not.toContainEqual(expect.objectContaining({ kind: 'link' }));
    expect(is_safe_link('data:text/html,hi')).toBe(false);
    expect(is_safe_link('mailto:a@b.c')).toBe(true);
  });

  it('accepts every prefix of a streamed answer (an unclosed fence is code so far)', () => {
    const answer = '# Plan\n\n1. **Boil** water\n2. Add `tea`\n\n```py\nprint("hi")\n```\nDone [link](https://a.b).';
    for (let n = 0; n <= answer.length; n++) expect(() => parse_markdown(answer.slice(0, n))).not.toThrow();
    expect(parse_markdown('```py\nprint(1)')).toEqual([{ kind: 'code', language: 'py', text: 'print(1)' }]);
  });

  it('handles escapes, inline code and unbalanced markers literally', () => {
    expect(parse_inline('\\*not em\\* and `a*b*c` and *open')).toEqual([
      { kind: 'text', text: '*not em* and ' },
      { kind: 'code', text: 'a*b*c' },
      { kind: 'text', text: ' and *open' },
    ]);
  });

  it('bounds nesting depth', () => {
    expect(() => parse_markdown('> '.repeat(5000) + 'deep')).not.toThrow();
    expect(() => parse_inline('*'.repeat(5000) + 'x' + '*'.repeat(5000))).not.toThrow();
  });
});
