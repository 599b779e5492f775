/**
 * The certificate a host presents, read by the main process with Node's
 * TLS (not Chromium's) only to show it and compare it (issue 15): the join
 * form asks the user to trust it on first use, or names it in the warning
 * when it is not the pinned one. Nothing is sent over this connection, so
 * not verifying it here costs nothing; Chromium's connections are the ones
 * checked (certificate-trust.ts).
 *
 * Pure Node (no Electron), so it is unit-testable.
 *
 * @public
 */
import { connect } from 'node:tls';
import { isIP } from 'node:net';

import { parseFingerprint } from '../server/protocol/fingerprint';

/** How long reading a host's certificate may take: a LAN host answers in milliseconds. */
export const PRESENTED_CERTIFICATE_TIMEOUT_MS = 5_000;

/** The certificate's fingerprint, or why none could be read, in words for people (after "could not read the certificate of <host>:"). */
export type PresentedCertificate = { ok: true; fingerprint: string } | { ok: false; message: string };

/**
 * Connects to an `https:` origin, reads the SHA-256 fingerprint of the
 * certificate it presents (`AB:CD:…`) and hangs up.
 */
export function presentedCertificate(origin: string, timeoutMs = PRESENTED_CERTIFICATE_TIMEOUT_MS): Promise<PresentedCertificate> {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return Promise.resolve({ ok: false, message: `${origin} is not an address` });
  }
  if (url.protocol !== 'https:') return Promise.resolve({ ok: false, message: `${origin} does not use TLS` });
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 443 : Number(url.port);
  return new Promise((resolve) => {
    // rejectUnauthorized: false: a self-signed certificate is the point;
    // we only look at it. SNI only for names (RFC 6066 forbids addresses).
    const socket = connect({ host, port, servername: isIP(host) === 0 ? host : undefined, rejectUnauthorized: false, timeout: timeoutMs });
    const done = (result: PresentedCertificate): void => {
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => {
      const fingerprint = parseFingerprint(socket.getPeerCertificate().fingerprint256 ?? '');
      done(fingerprint === undefined ? { ok: false, message: 'it presented no certificate' } : { ok: true, fingerprint });
    });
    socket.once('timeout', () => done({ ok: false, message: `no TLS handshake within ${timeoutMs / 1000} s` }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, message: `no TLS connection (${error.code ?? error.message})` }));
  });
}
