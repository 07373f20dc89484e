// A static file server for the end-to-end tests: serves a built app from one
// directory on 127.0.0.1 with the headers cloister-host is to send (strict
// CSP, no referrer, no sniffing), and records every request path so tests can
// check that the page asks for nothing unexpected.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

export const kContentSecurityPolicy =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

const kTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.sha256': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  origin: string; // http://localhost:<port>
  server: Server; // for attaching a WebSocket endpoint
  requests: string[];
  close(): Promise<void>;
}

// Serves `root` on 127.0.0.1 at an ephemeral port; `mounts` maps URL
// prefixes (e.g. "/log/") to other directories.
export async function serve_directory(root: string, mounts: Record<string, string> = {}): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const mount = Object.keys(mounts).find((prefix) => path.startsWith(prefix));
    const base = mount === undefined ? root : mounts[mount]!;
    const local = mount === undefined ? path : '/' + path.slice(mount.length);
    const relative = normalize(local === '/' ? '/index.html' : local).replace(/^[/\\]+/, '');
    if (relative.split(sep).includes('..') || req.method !== 'GET') {
      res.writeHead(400).end();
      return;
    }
    readFile(join(base, relative)).then(
      (data) => {
        res.writeHead(200, {
          'content-type': kTypes[extname(relative)] ?? 'application/octet-stream',
          'content-security-policy': kContentSecurityPolicy,
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
          'cross-origin-opener-policy': 'same-origin',
          'cache-control': 'no-store',
        });
        res.end(data);
      },
      () => res.writeHead(404).end(),
    );
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://localhost:${port}`,
    server,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
