/**
 * Serves the renderer from `app://lanchat/` instead of `file://`.
 *
 * Why: pages on `file://` have the opaque origin "null", which hosts cannot
 * tell apart from any local HTML file or sandboxed iframe, and sockjs-client
 * turns off its HTTP fallbacks there. `app://lanchat` is an origin of its
 * own that hosts allow by default (server/origin-check.ts,
 * DESKTOP_APP_ORIGIN), with CORS working for SockJS's HTTP transports.
 *
 * The scheme is standard (so relative URLs, localStorage and CSP 'self'
 * work) but deliberately not `secure`: a secure page could not reach LAN
 * hosts over plain http/ws (mixed content).
 *
 * @public
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

import { protocol } from 'electron';

/** Scheme and host of the app's own pages; must match DESKTOP_APP_ORIGIN. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'lanchat';
/** URL of the renderer's entry page. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Content-Security-Policy sent with every `app://` response. It adds to the
 * `<meta>` policy in renderer/index.html (a page obeys both; update them
 * together) and cannot be edited away by anything in the page. Chat hosts
 * are other origins, reached only with fetch/XHR/WebSocket (`connect-src`);
 * nothing from a host may become a frame, a worker, a script, a form target
 * or a plugin: sockjs-client's iframe transports would otherwise load the
 * host's own page into the app window (issue 13, finding 3).
 */
export const APP_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "manifest-src 'self'",
  "connect-src 'self' http: https: ws: wss:",
  "frame-src 'none'",
  "child-src 'none'",
  "worker-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Whether `url` is one of the app's own pages (`app://lanchat/…`). Node's URL
 * gives non-special schemes the origin "null", so scheme and host are
 * compared instead of `origin`.
 *
 * @public
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    // Not a URL at all (e.g. an empty string from a frame being torn down).
    return false;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/**
 * Registers the scheme's privileges. Must run before the app is ready.
 *
 * @public
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

function notFound(): Response {
  return new Response('Not found', {
    status: 404,
    headers: { 'Content-Type': 'text/plain', 'Content-Security-Policy': APP_CONTENT_SECURITY_POLICY },
  });
}

/**
 * Answers `app://lanchat/…` from `root` (dist/renderer). Anything outside
 * that folder, or on another host, is 404.
 *
 * @public
 */
export function setupAppProtocol(root: string): void {
  const base = normalize(root + sep);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return notFound();
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return notFound();
    }
    const file = normalize(join(base, pathname === '/' ? 'index.html' : pathname));
    if (!file.startsWith(base)) return notFound();
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': APP_CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return notFound();
    }
  });
}
