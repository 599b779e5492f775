/**
 * Serves the built web client (dist/renderer) so a phone or laptop with only
 * a browser can join: GET/HEAD only, no directory listing, no path escaping
 * the root.
 *
 * @public
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Headers on every response of the web client, error responses included.
 * Framing: a foreign page framed the Join form (issue 13, finding 6) to
 * trick people into typing into it; `frame-ancestors` can only come as a
 * header (a <meta> CSP ignores it), and X-Frame-Options covers browsers
 * without CSP 2. nosniff stops a file being run as a type it is not;
 * no-referrer keeps the host's address out of links people follow.
 *
 * @public
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** Vite puts content-hashed files under assets/: they never change, so cache them for a year. */
const IMMUTABLE_PREFIX = `${sep}assets${sep}`;
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/**
 * Serves `request` from `root`. Responds 404 for anything missing and 405 for
 * methods other than GET and HEAD.
 *
 * @public
 */
export async function serveStatic(root: string, request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD' }).end();
    return;
  }
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    // A malformed %-escape cannot name one of our files.
    response.writeHead(400, SECURITY_HEADERS).end();
    return;
  }
  if (relative.endsWith('/')) relative += 'index.html';
  const filePath = normalize(join(root, relative));
  if (!filePath.startsWith(normalize(root + sep)) || relative.includes('\0')) {
    response.writeHead(404, SECURITY_HEADERS).end();
    return;
  }
  const info = await stat(filePath).catch(() => undefined);
  if (!info?.isFile()) {
    response.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(filePath)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': filePath.includes(IMMUTABLE_PREFIX) ? IMMUTABLE_CACHE : 'no-cache',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(filePath)
    .on('error', () => response.destroy())
    .pipe(response);
}
