/**
 * The desktop app verifies hosts by fingerprint (issue 15): Chromium's
 * certificate check for every https/wss connection of the app's session
 * accepts a self-signed certificate only when its SHA-256 fingerprint is
 * the one pinned for that host (trusted-hosts.ts: from an invite's `fp=`,
 * a discovery record, or the user's trust on first use). Every other
 * certificate gets Chromium's own verdict (`-3`), so CA-signed
 * certificates still work and nothing is ignored globally.
 *
 * The IPC here lets the join form pin a fingerprint before connecting,
 * read the certificate a host presents (to ask or to warn), and record the
 * user's trust.
 *
 * @public
 */
import { join } from 'node:path';

import { app, session } from 'electron';

import { handle } from './ipc';
import { IpcChannel, type HostCertificateResult, type PinHostRequest, type PinHostResult } from './ipc-contract';
import { presentedCertificate } from './presented-certificate';
import { fingerprintFromChromium, hostKey, TRUSTED_HOSTS_FILE, TrustedHosts, type PinSource } from './trusted-hosts';
import { parseFingerprint } from '../server/protocol/fingerprint';

/** `setCertificateVerifyProc` results (net/base/net_error_list.h): accept, or use Chromium's verification. */
const CERT_ACCEPT = 0;
const CERT_USE_CHROMIUM_VERDICT = -3;

/** Reads a `{ origin, fingerprint }` request from the renderer; undefined when it is not one. */
function readPinRequest(request: unknown): PinHostRequest | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const { origin, fingerprint, source } = request as Record<string, unknown>;
  if (typeof origin !== 'string' || typeof fingerprint !== 'string') return undefined;
  if (source !== undefined && source !== 'invite' && source !== 'discovery') return undefined;
  const canonical = parseFingerprint(fingerprint);
  if (hostKey(origin) === undefined || canonical === undefined) return undefined;
  return source === undefined ? { origin, fingerprint: canonical } : { origin, fingerprint: canonical, source };
}

/**
 * Installs the fingerprint check on the default session and the trust IPC.
 * Call once, after `app` is ready.
 *
 * @returns the profile's pins (the host pins its own certificate for its loopback origin)
 * @public
 */
export function setupCertificateTrust(): TrustedHosts {
  const trusted = new TrustedHosts(join(app.getPath('userData'), TRUSTED_HOSTS_FILE));
  session.defaultSession.setCertificateVerifyProc((request, callback) => {
    const fingerprint = fingerprintFromChromium(request.certificate.fingerprint);
    callback(fingerprint !== undefined && trusted.accepts(request.hostname, fingerprint) ? CERT_ACCEPT : CERT_USE_CHROMIUM_VERDICT);
  });

  const pin = (request: unknown, source: PinSource): PinHostResult => {
    const checked = readPinRequest(request);
    if (checked === undefined) return { ok: false, message: 'not an https address with a SHA-256 fingerprint' };
    try {
      if (source === 'pinned' && checked.source === 'discovery') trusted.offer(checked.origin, checked.fingerprint);
      else trusted.pin(checked.origin, checked.fingerprint, source);
      return { ok: true };
    } catch (error) {
      return { ok: false, message: `could not remember the host: ${(error as Error).message}` };
    }
  };
  handle(IpcChannel.PinHost, (request) => pin(request, 'pinned'));
  handle(IpcChannel.TrustHost, (request) => pin(request, 'trusted'));
  handle(IpcChannel.GetHostCertificate, async (request): Promise<HostCertificateResult> => {
    if (typeof request !== 'string' || hostKey(request) === undefined) return { ok: false, message: 'not an https address' };
    const presented = await presentedCertificate(request);
    if (!presented.ok) return presented;
    const pinned = trusted.get(request)?.fingerprint;
    return pinned === undefined ? presented : { ...presented, pinned };
  });
  return trusted;
}
