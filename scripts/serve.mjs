// A plain static file server for a built dist/: what ./run serves and what the e2e tests
// load. No live reload, no injected code: the pages it serves are the files a trainer
// copies to a web site.
//
//   node scripts/serve.mjs [DIR] [PORT] [PREFIX]   (defaults: dist, 8080, /; 127.0.0.1 only)
//
// PREFIX serves DIR under a path, as a course site would: `node scripts/serve.mjs dist
// 8080 /courses/streaming/crashcourse/` answers http://127.0.0.1:8080/courses/streaming/
// crashcourse/ and nothing outside it (404), which shows that the build uses no
// absolute path. As on most static hosts, a folder asked for without its trailing slash
// is redirected to it (a relative URL needs the slash to resolve inside the folder).

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Browsers refuse WebAssembly.instantiateStreaming unless .wasm is application/wasm.
const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** "/a/b" | "a/b/" | "" -> "/a/b/" (always a leading and a trailing slash). */
export function normalizePrefix(prefix = '/') {
  const parts = String(prefix).split('/').filter(Boolean);
  return parts.length ? `/${parts.join('/')}/` : '/';
}

/**
 * Serve `root` on `host`:`port` (port 0: a free one), under the path `prefix`.
 * `url` is the address of `root` (ending with the prefix).
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function serveStatic(root, { port = 0, host = '127.0.0.1', prefix = '/' } = {}) {
  root = resolve(root);
  prefix = normalizePrefix(prefix);
  try {
    await stat(join(root, 'index.html'));
  } catch {
    throw new Error(
      `${join(root, 'index.html')} not found: build the app first ` +
        '(`trunk build --release --offline`, which ./run and ./test do)',
    );
  }
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request path\n');
      return;
    }
    const query = new URL(req.url, 'http://localhost').search;
    if (pathname + '/' === prefix) {
      res.writeHead(301, { location: prefix + query }).end();
      return;
    }
    if (!pathname.startsWith(prefix)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname} (outside ${prefix})\n`);
      return;
    }
    const rel = pathname.slice(prefix.length - 1); // keeps a leading "/"
    const file = resolve(root, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end(); // path traversal
      return;
    }
    if (!rel.endsWith('/') && (await stat(file).catch(() => null))?.isDirectory()) {
      res.writeHead(301, { location: `${encodeURI(pathname)}/${query}` }).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}\n`);
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const bound = server.address().port;
  return {
    url: `http://${host}:${bound}${prefix}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? 'dist';
  const port = Number(process.argv[3] ?? 8080);
  const prefix = process.argv[4] ?? '/';
  try {
    const { url } = await serveStatic(root, { port, prefix });
    console.log(`serving ${resolve(root)} at ${url} (Ctrl-C stops)`);
  } catch (e) {
    console.error(`serve: ${e.code === 'EADDRINUSE' ? `port ${port} is in use (PORT=… to choose another)` : e.message}`);
    process.exit(1);
  }
}
