/**
 * Asks an address "are you a LanChat host, and which rooms do you have?"
 * before the join form opens a chat there (issue 14): `GET /rooms` tells a
 * LanChat host of our protocol version from every other outcome, each with
 * its own code and words for the join form.
 *
 * `/rooms` is served with `Access-Control-Allow-Origin: *`, so the app's
 * page (app://lanchat) and a host's web client can both read it. A server
 * that is not LanChat sends no such header, and the browser then fails the
 * fetch with the same TypeError as for a closed port; a second fetch of `/`
 * in `no-cors` mode tells the two apart: it resolves (with an opaque
 * response) when anything answers HTTP there, and fails when nothing does.
 *
 * No Svelte and no DOM beyond `fetch`: the tests run it in Node against
 * real sockets (tests/renderer/host-probe.test.ts).
 */
import {
  ENDPOINT_PATHS,
  PROTOCOL_VERSION,
  ROOMS_REPORT_MAX_BYTES,
  parseRoomsReport,
  type RoomsReport,
} from '../../../server/protocol';

import { UiErrorCode } from './error-text';

/** How long a probe waits for the host by default: a LAN host answers in milliseconds, a missing one may never. */
export const PROBE_TIMEOUT_MS = 5_000;

/** Why a probe found no LanChat host to join (codes of error-text.ts's `UiErrorCode`). */
export const ProbeErrorCode = {
  Unreachable: UiErrorCode.HostUnreachable,
  NotLanChat: UiErrorCode.NotLanChat,
  ProtocolMismatch: UiErrorCode.ProtocolMismatch,
  Timeout: UiErrorCode.HostTimeout,
} as const;

/** One of {@link ProbeErrorCode}. */
export type ProbeErrorCode = (typeof ProbeErrorCode)[keyof typeof ProbeErrorCode];

/** What a probe found: a LanChat host's `/rooms` report, or why there is none. */
export type ProbeResult = { ok: true; report: RoomsReport } | { ok: false; code: ProbeErrorCode; text: string };

/** Options for {@link probeHost}. */
export interface ProbeOptions {
  /**
   * Gives up after this long.
   * @default PROBE_TIMEOUT_MS
   */
  timeoutMs?: number;
  /** Cancels the probe (the user pressed Cancel): it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The address as people read it: `192.168.1.5:8080` rather than `http://192.168.1.5:8080`. */
export function displayAddress(origin: string): string {
  return origin.replace(/^https?:\/\//, '');
}

/**
 * The address as the Join form's address box shows it: like
 * {@link displayAddress}, but an `https:` host keeps its scheme, since
 * without it the address means plain HTTP.
 */
export function addressForForm(origin: string): string {
  return origin.startsWith('https:') ? origin : displayAddress(origin);
}

/**
 * Words for a probe failure.
 * @param code - the failure
 * @param origin - the probed host's origin
 * @param hostProtocol - the host's protocol version, for {@link ProbeErrorCode.ProtocolMismatch}
 */
export function probeErrorText(code: ProbeErrorCode, origin: string, hostProtocol?: number): string {
  const address = displayAddress(origin);
  switch (code) {
    case ProbeErrorCode.Unreachable:
      return `Nothing answers at ${address}. Check the address and the port, and that the host is running and on the same network.`;
    case ProbeErrorCode.NotLanChat:
      return `${address} answers, but it is not a LanChat host. Check the port: the host shows its address on its screen.`;
    case ProbeErrorCode.ProtocolMismatch: {
      const older = hostProtocol !== undefined && hostProtocol < PROTOCOL_VERSION ? 'the host' : 'this app';
      return `The host at ${address} speaks LanChat protocol version ${hostProtocol ?? 'unknown'}, this app speaks version ${PROTOCOL_VERSION}. Update LanChat on ${older} to the newer version.`;
    }
    case ProbeErrorCode.Timeout:
      return `${address} did not answer in time. Check the address, and that the host is running and on the same network.`;
  }
}

function failure(code: ProbeErrorCode, origin: string, hostProtocol?: number): ProbeResult {
  return { ok: false, code, text: probeErrorText(code, origin, hostProtocol) };
}

/**
 * The protocol version a `/rooms` body claims, when it claims to be LanChat:
 * read before the full schema, because another version's report may be
 * shaped differently and must still say "update", not "not LanChat".
 */
function claimedProtocol(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { name, protocol } = body as { name?: unknown; protocol?: unknown };
  return name === 'lanchat' && typeof protocol === 'number' ? protocol : undefined;
}

/** Reads at most {@link ROOMS_REPORT_MAX_BYTES} of a body as JSON; undefined when longer or not JSON. */
async function readJsonBody(response: Response): Promise<unknown> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > ROOMS_REPORT_MAX_BYTES) return undefined;
  const text = await response.text();
  if (text.length > ROOMS_REPORT_MAX_BYTES) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: an HTML error page, a file listing, another API.
    return undefined;
  }
}

/**
 * Probes `origin` for a LanChat host.
 * @param origin - host origin (see normalizeAddress), e.g. `http://192.168.1.5:8080`
 * @param options - time limit and cancel signal
 * @returns the host's report, or why it cannot be joined; rejects only when `options.signal` aborts
 */
export async function probeHost(origin: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? PROBE_TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  try {
    return await probe(origin, signal);
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (timeout.aborted) return failure(ProbeErrorCode.Timeout, origin);
    throw error;
  }
}

async function probe(origin: string, signal: AbortSignal): Promise<ProbeResult> {
  let response: Response;
  try {
    response = await fetch(`${origin}${ENDPOINT_PATHS.rooms}`, {
      signal,
      cache: 'no-store',
      credentials: 'omit',
      // A LanChat host answers /rooms itself; a redirect means another server.
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    if (signal.aborted) throw error;
    return (await answersHttp(origin, signal)) ? failure(ProbeErrorCode.NotLanChat, origin) : failure(ProbeErrorCode.Unreachable, origin);
  }
  if (!response.ok) {
    // Drain the body so the connection is released.
    await response.body?.cancel().catch(() => undefined);
    return failure(ProbeErrorCode.NotLanChat, origin);
  }
  const body = await readJsonBody(response);
  const protocol = claimedProtocol(body);
  if (protocol !== undefined && protocol !== PROTOCOL_VERSION) return failure(ProbeErrorCode.ProtocolMismatch, origin, protocol);
  const report = parseRoomsReport(body);
  return report === null ? failure(ProbeErrorCode.NotLanChat, origin) : { ok: true, report };
}

/**
 * Whether anything answers HTTP at `origin`: a `no-cors` fetch resolves
 * with an opaque response for any HTTP answer, whatever its headers, and
 * fails only when no answer comes (in Node, where there is no CORS, it
 * simply resolves or fails).
 */
async function answersHttp(origin: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/`, { signal, mode: 'no-cors', cache: 'no-store', credentials: 'omit' });
    await response.body?.cancel().catch(() => undefined);
    return true;
  } catch (error) {
    if (signal.aborted) throw error;
    return false;
  }
}
