// Build-time integrity for the web app: every script and stylesheet that
// index.html loads gets a Subresource Integrity hash, the build fails if any
// emitted script or stylesheet is not loaded that way (a chunk fetched without
// SRI could be swapped by the host), and the digest of the whole built app is
// written to app-digest.txt for the release manifest's web_app_sha256.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

export const kDigestFile = 'app-digest.txt';
export const kListingFile = 'app-files.sha256';

// Returns the SRI value (sha384, base64) of `data`.
export function sri_sha384(data: string | Uint8Array): string {
  return 'sha384-' + createHash('sha384').update(data).digest('base64');
}

// Returns every file under `root` as a path relative to it with '/' separators.
function list_files(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

// Returns the sha256sum-format listing of the built app: one
// "<sha256 hex>  <path>\n" line per file, sorted by path as bytes, leaving out
// the digest files themselves. Its SHA-256 is the app digest, so anyone can
// recompute it with coreutils (see web/README.md).
export function app_listing(root: string): string {
  const paths = list_files(root)
    .filter((p) => p !== kDigestFile && p !== kListingFile)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return paths
    .map((p) => createHash('sha256').update(readFileSync(join(root, p))).digest('hex') + '  ' + p + '\n')
    .join('');
}

const kTagPattern = /<(script|link)\b([^>]*)>/g;
const kUrlAttribute = /\b(src|href)="([^"]+)"/;

// Adds integrity attributes to the scripts and stylesheets `html` loads,
// and returns the new html and the set of files it now loads with SRI.
export function add_integrity(
  html: string,
  files: ReadonlyMap<string, string | Uint8Array>,
  base: string,
): { html: string; covered: Set<string> } {
  const covered = new Set<string>();
  const rewritten = html.replace(kTagPattern, (tag, name: string, attributes: string) => {
    const loads_code = name === 'script' || /\brel="(stylesheet|modulepreload)"/.test(attributes);
    const url = kUrlAttribute.exec(attributes)?.[2];
    if (!loads_code || url === undefined || !url.startsWith(base)) return tag;
    const file = url.slice(base.length);
    const data = files.get(file);
    if (data === undefined) throw new Error(`index.html loads ${url}, which the build did not emit`);
    if (/\bintegrity=/.test(attributes)) throw new Error(`${url} already has an integrity attribute`);
    covered.add(file);
    const crossorigin = /\bcrossorigin\b/.test(attributes) ? '' : ' crossorigin';
    return `<${name}${attributes} integrity="${sri_sha384(data)}"${crossorigin}>`;
  });
  return { html: rewritten, covered };
}

// The Vite plugin: SRI in generateBundle, the app digest once files are written.
export function integrity_plugin(): Plugin {
  let out_dir = '';
  let base = '/';
  return {
    name: 'cloister-integrity',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      out_dir = config.build.outDir;
      base = config.base;
      if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`base must be an absolute path, got ${base}`);
    },
    generateBundle(_options, bundle) {
      const files = new Map<string, string | Uint8Array>();
      for (const [name, item] of Object.entries(bundle)) {
        files.set(name, item.type === 'chunk' ? item.code : item.source);
      }
      const page = bundle['index.html'];
      if (page === undefined || page.type !== 'asset') throw new Error('the build emitted no index.html');
      const { html, covered } = add_integrity(String(page.source), files, base);
      page.source = html;
      for (const name of files.keys()) {
        if (/\.(m?js|css)$/.test(name) && !covered.has(name)) {
          throw new Error(`${name} is emitted but not loaded from index.html with SRI`);
        }
      }
    },
    writeBundle() {
      const listing = app_listing(out_dir);
      writeFileSync(join(out_dir, kListingFile), listing);
      const digest = createHash('sha256').update(listing).digest('hex');
      writeFileSync(join(out_dir, kDigestFile), digest + '\n');
    },
  };
}
