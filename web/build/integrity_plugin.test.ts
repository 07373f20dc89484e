import { describe, expect, it } from 'vitest';
import { add_integrity, sri_sha384 } from './integrity_plugin';

describe('sri_sha384', () => {
  it('matches the example in the W3C Subresource Integrity spec', () => {
    expect(sri_sha384("alert('Hello, world.');")).toBe(
      'sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO',
    );
  });
});

describe('add_integrity', () => {
  const files = new Map<string, string>([
    ['assets/a.js', "alert('Hello, world.');"],
    ['assets/a.css', 'body{}'],
  ]);

  it('adds integrity and crossorigin to every emitted script and stylesheet', () => {
    const html =
      '<script type="module" src="/assets/a.js"></script><link rel="stylesheet" crossorigin href="/assets/a.css">';
    const { html: out, covered } = add_integrity(html, files, '/');
    expect(out).toContain(
      '<script type="module" src="/assets/a.js" integrity="sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO" crossorigin>',
    );
    expect(out).toContain(`<link rel="stylesheet" crossorigin href="/assets/a.css" integrity="${sri_sha384('body{}')}">`);
    expect([...covered].sort()).toEqual(['assets/a.css', 'assets/a.js']);
  });

  it('refuses a page that loads a file the build did not emit', () => {
    expect(() => add_integrity('<script src="/assets/missing.js"></script>', files, '/')).toThrow(/did not emit/);
    expect(() => add_integrity('<link rel="stylesheet" href="/x.css">', files, '/')).toThrow(/did not emit/);
  });

  it('leaves tags that load no code alone', () => {
    const html = '<link rel="icon" href="data:,"><link rel="icon" href="/favicon.svg">';
    expect(add_integrity(html, files, '/').html).toBe(html);
  });
});
