/**
 * LAN discovery over mDNS / DNS-SD (RFC 6762, RFC 6763): a host announces
 * `_lanchat._tcp` with its TXT record (protocol/announcement.ts), and a
 * browser lists the hosts it hears, each with its rooms read from the
 * host's own `GET /rooms` (protocol/rooms-report.ts), polled so member
 * counts stay current and a host that died without saying goodbye drops out.
 *
 * Pure Node on bonjour-service (it both announces and browses), so the CLI,
 * the Electron utility process, the main process and the tests share it.
 * Only this file imports bonjour-service.
 *
 * `LANCHAT_DISCOVERY=off` turns all of it off for the process (the test
 * runner sets it for every test, so no test talks mDNS on the real LAN).
 *
 * @public
 */
import { request as httpsRequest } from 'node:https';
import { isIPv4, isIPv6 } from 'node:net';
import type { TLSSocket } from 'node:tls';

import { Bonjour, type Browser, type Service } from 'bonjour-service';

import { silentLogger, type Logger } from './logger';
import { announcementTxt, DISCOVERY_SERVICE_TYPE, parseAnnouncementTxt, type Announcement, type DiscoveredHostRecord } from './protocol/announcement';
import { sameFingerprint } from './protocol/fingerprint';
import { ENDPOINT_PATHS } from './protocol/limits';
import { parseRoomsReport, ROOMS_REPORT_MAX_BYTES, type RoomsReport } from './protocol/rooms-report';

/** Environment variable that turns discovery off for the whole process: `LANCHAT_DISCOVERY=off`. */
export const DISCOVERY_ENV = 'LANCHAT_DISCOVERY';

/** How often the browser reads each host's `/rooms` (member counts stay this fresh). */
export const DISCOVERY_POLL_INTERVAL_MS = 3_000;

/** How long one `/rooms` request may take before it counts as failed. */
export const ROOMS_FETCH_TIMEOUT_MS = 2_000;

/**
 * Failed `/rooms` polls in a row after which a host is no longer listed: a
 * host killed without an mDNS goodbye (crash, power cut, cable pulled)
 * leaves the list within this many poll intervals plus one request
 * timeout after its last answer: at most 2 × 3 s + 2 s = 8 s, inside the
 * 10 s target even when nothing answers at all (a pulled cable, where each
 * poll waits out its timeout; with 3 polls that case took up to 11 s). One
 * lost answer on a busy Wi-Fi does not drop a host; a host that answers
 * again is listed again.
 */
export const MISSED_POLLS_TO_DROP = 2;

/**
 * How long a host that stopped answering is still polled in case it comes
 * back (a network blip); after that the browser forgets it until mDNS
 * announces it again.
 */
export const UNREACHABLE_FORGET_MS = 5 * 60_000;

/**
 * How often the browser asks the network again who offers `_lanchat._tcp`.
 * New hosts announce themselves when they start, so this only recovers
 * announcements lost on the way and hosts forgotten after a long outage.
 */
export const DISCOVERY_REQUERY_INTERVAL_MS = 60_000;

/** How long the announcer listens for another host using its service name before taking it (RFC 6762 §8.1: 3 probes, 250 ms apart). */
const PROBE_INTERVAL_MS = 250;
const PROBE_COUNT = 3;
/** Attempts at a free service name ("name", "name (2)", …) before giving up. */
const MAX_NAME_ATTEMPTS = 10;
/** How long the announcer waits for its first announcement to leave before saying it announced anyway. */
const FIRST_ANNOUNCE_TIMEOUT_MS = 2_000;
/** Longest DNS label (RFC 1035 §2.3.4), in bytes: a service instance name is one label. */
const DNS_LABEL_MAX_BYTES = 63;
/** Characters of the instance id that make a service name unique among hosts with the same display name. */
const NAME_ID_CHARS = 8;

/** Whether `LANCHAT_DISCOVERY=off` turned discovery off for this process. */
export function discoveryDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DISCOVERY_ENV] === 'off';
}

// ---------------------------------------------------------------------------
// bonjour-service keeps its multicast-dns socket in a private `server`
// field. We need it for two things the public API lacks: an 'error'
// listener (multicast-dns emits 'error' when port 5353 cannot be bound, and
// an EventEmitter 'error' without a listener throws, taking the whole
// process down) and our own name probe (bonjour's probe, on a clash, sends
// goodbyes for the name it found taken, which would make browsers drop the
// *other* host). The shape is checked at run time.
// ---------------------------------------------------------------------------

/** The parts of a multicast-dns instance this module uses. */
interface MulticastDns {
  on(event: 'error' | 'warning', listener: (error: Error) => void): void;
  on(event: 'ready', listener: () => void): void;
  on(event: 'response', listener: (packet: MdnsPacket) => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
  once(event: 'ready', listener: () => void): void;
  removeListener(event: string, listener: (...args: never[]) => void): void;
  query(name: string, type: string): void;
}

interface MdnsPacket {
  answers: Array<{ name: string }>;
  additionals: Array<{ name: string }>;
}

function mdnsOf(bonjour: Bonjour): MulticastDns {
  const mdns = (bonjour as unknown as { server?: { mdns?: MulticastDns } }).server?.mdns;
  if (mdns === undefined || typeof mdns.on !== 'function' || typeof mdns.query !== 'function') {
    throw new Error('bonjour-service changed: no multicast-dns instance at bonjour.server.mdns');
  }
  return mdns;
}

/**
 * A Bonjour instance whose socket errors are reported, not thrown, and a
 * promise for its socket being bound (or failing to be).
 */
function openBonjour(logger: Logger, interfaceAddress?: string): { bonjour: Bonjour; mdns: MulticastDns; ready: Promise<void> } {
  // multicast-dns binds its socket to `interface` when given, and a socket
  // bound to a unicast address receives no multicast on Linux: bind the
  // wildcard and use the address only to choose the multicast interface.
  const mdnsOptions = interfaceAddress === undefined ? {} : { interface: interfaceAddress, bind: '0.0.0.0' };
  const bonjour = new Bonjour(mdnsOptions as never, (error: Error) => logger.warn('mDNS send failed', { error: error.message }));
  const mdns = mdnsOf(bonjour);
  const ready = new Promise<void>((resolve, reject) => {
    mdns.once('ready', resolve);
    mdns.once('error', reject);
  });
  mdns.on('error', (error) => logger.warn('mDNS socket error', { error: error.message }));
  mdns.on('warning', (error) => logger.debug('mDNS warning', { error: error.message }));
  return { bonjour, mdns, ready };
}

function destroyBonjour(bonjour: Bonjour): Promise<void> {
  return new Promise((resolve) => {
    try {
      bonjour.destroy(() => resolve());
    } catch {
      // The socket never opened (bind failed), so there is nothing to close.
      resolve();
    }
  });
}

// ---------------------------------------------------------------------------
// Announcer
// ---------------------------------------------------------------------------

/** Options of {@link startAnnouncer}. */
export interface AnnouncerOptions {
  /** The TCP port the chat server listens on. */
  port: number;
  /** What the TXT record says (the same instance id as the server's `/rooms`). */
  announcement: Announcement;
  /**
   * The IPv4 address of the one interface to announce on, for a host bound
   * to one address; default: every interface.
   */
  interfaceAddress?: string;
  /** @default silentLogger */
  logger?: Logger;
}

/** A running announcement. */
export interface Announcer {
  /** True when discovery is off (`LANCHAT_DISCOVERY=off`): nothing was announced. */
  readonly off: boolean;
  /** The DNS-SD service instance name announced, e.g. `LanChat alice-laptop 1f2e3d4c`. */
  readonly name: string | undefined;
  /** Withdraws the announcement with goodbye packets (TTL 0) so browsers drop the host at once. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The DNS-SD instance name of a host: readable in generic browsers (Bonjour
 * Browser, avahi-browse) and unique on the LAN, because it carries the
 * start of the host's random instance id, so two hosts called "laptop" do
 * not clash. Dots become dashes (bonjour-service does the same: a dot would
 * split the label), and the host name is cut so the label fits 63 bytes.
 *
 * @param attempt - 1 for the first choice; 2, 3, … after a clash (RFC 6762 §9: "name (2)")
 */
export function serviceInstanceName(hostName: string, instanceId: string, attempt = 1): string {
  const suffix = ` ${instanceId.slice(0, NAME_ID_CHARS)}${attempt > 1 ? ` (${attempt})` : ''}`;
  const prefix = 'LanChat ';
  let name = hostName.replace(/\./g, '-').trim();
  const encoder = new TextEncoder();
  while (name !== '' && encoder.encode(prefix + name + suffix).length > DNS_LABEL_MAX_BYTES) {
    // Cut whole code points, never half of a surrogate pair.
    name = Array.from(name).slice(0, -1).join('');
  }
  return (name === '' ? prefix.trimEnd() : prefix + name) + suffix;
}

/** Whether some other responder on the LAN answers for `fqdn` (RFC 6762 §8.1 probing, simplified to listening for any answer). */
function nameTaken(mdns: MulticastDns, fqdn: string): Promise<boolean> {
  const wanted = fqdn.toLowerCase();
  return new Promise((resolve) => {
    let sent = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onResponse = (packet: MdnsPacket): void => {
      const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
      if (records.some((record) => typeof record.name === 'string' && record.name.toLowerCase() === wanted)) done(true);
    };
    const done = (taken: boolean): void => {
      clearTimeout(timer);
      mdns.removeListener('response', onResponse as (...args: never[]) => void);
      resolve(taken);
    };
    const send = (): void => {
      if (sent === PROBE_COUNT) {
        done(false);
        return;
      }
      sent += 1;
      mdns.query(fqdn, 'ANY');
      timer = setTimeout(send, PROBE_INTERVAL_MS);
    };
    mdns.on('response', onResponse);
    send();
  });
}

/** An announcer that announces nothing (discovery is off). */
const OFF_ANNOUNCER: Announcer = { off: true, name: undefined, stop: async () => {} };

/**
 * Announces a LanChat host on the LAN as `_lanchat._tcp`: probes for a free
 * service name, publishes PTR, SRV, TXT and A/AAAA records, and resolves
 * once the first announcement has left (browsers already running hear it
 * then; bonjour-service repeats it after 1 s, 3 s, 9 s, …).
 *
 * When `LANCHAT_DISCOVERY=off`, resolves to an announcer with `off: true`
 * without touching the network.
 *
 * @throws Error when the mDNS socket cannot be opened (port 5353 refused)
 */
export async function startAnnouncer(options: AnnouncerOptions): Promise<Announcer> {
  if (discoveryDisabled()) return OFF_ANNOUNCER;
  const logger = options.logger ?? silentLogger;
  const { instanceId } = options.announcement;
  const { bonjour, mdns, ready } = openBonjour(logger, options.interfaceAddress);
  try {
    await ready;
  } catch (error) {
    await destroyBonjour(bonjour);
    throw new Error(`cannot announce on the LAN: mDNS (UDP port 5353) unavailable: ${(error as Error).message}`);
  }

  const type = `_${DISCOVERY_SERVICE_TYPE}._tcp.local`;
  let name: string | undefined;
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS && name === undefined; attempt += 1) {
    const candidate = serviceInstanceName(options.announcement.hostName, instanceId, attempt);
    if (await nameTaken(mdns, `${candidate}.${type}`)) {
      logger.info('mDNS service name taken; trying another', { name: candidate });
    } else {
      name = candidate;
    }
  }
  if (name === undefined) {
    await destroyBonjour(bonjour);
    throw new Error(`cannot announce on the LAN: ${MAX_NAME_ATTEMPTS} service names for this host were all taken`);
  }

  const service = bonjour.publish({
    name,
    type: DISCOVERY_SERVICE_TYPE,
    port: options.port,
    txt: announcementTxt(options.announcement),
    // The SRV target must be unique too: hosts in one network namespace or
    // cloned machines share os.hostname(), and A records of one host name
    // from two machines would mix their addresses.
    host: `lanchat-${instanceId.slice(0, NAME_ID_CHARS).replace(/[^a-zA-Z0-9-]/g, '-')}.local`,
    probe: false,
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FIRST_ANNOUNCE_TIMEOUT_MS);
    service.once('up', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  logger.info('announced on the LAN', { name, port: options.port });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Goodbye first (every record again with TTL 0, RFC 6762 §10.1), and
      // only once it has been sent close the socket.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FIRST_ANNOUNCE_TIMEOUT_MS);
        service.stop(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await destroyBonjour(bonjour);
      logger.info('withdrew the LAN announcement', { name });
    })();
    return stopping;
  };
  return { off: false, name, stop };
}

// ---------------------------------------------------------------------------
// Answers: what mDNS (or a test feed) says about hosts
// ---------------------------------------------------------------------------

/** One host as mDNS describes it: its TXT record and the origins its address records give. */
export interface DiscoveryAnswer {
  instanceId: string;
  hostName: string;
  protocol: number;
  protected: boolean;
  /** The certificate fingerprint of a host serving TLS (TXT `fp`); its origins are then `https:`. */
  fingerprint?: string;
  /** `http://address:port` (`https:` with a fingerprint) for each usable address, IPv4 first. */
  origins: string[];
}

/**
 * Where a browser gets its answers: mDNS on the LAN, or (for the desktop
 * app's end-to-end tests) a file (electron/discovery-feed.ts).
 */
export interface DiscoveryAnswerSource {
  /**
   * Starts listening. `onAnswers` gets the whole current list each time it
   * changes; `onError` says why the source cannot work (it stays silent then).
   */
  start(onAnswers: (answers: DiscoveryAnswer[]) => void, onError: (message: string) => void): void;
  /** Forgets a host until it is announced again (it stopped answering long ago). */
  forget?(instanceId: string): void;
  stop(): Promise<void>;
}

/** Whether an IPv6 address is link-local (fe80::/10): unusable in a URL without its zone, which mDNS answers lack. */
function isLinkLocalIPv6(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * The origins to try for a host: one `http://address:port` per distinct
 * usable address, IPv4 first (most LANs route IPv4 between clients;
 * IPv6 is there as a fallback), IPv6 in brackets. Link-local IPv6 is
 * skipped: without its zone (`%eth0`) it cannot be reached, and mDNS
 * answers carry none. Anything that is not an IP address is skipped too.
 */
export function originsFor(addresses: readonly string[], port: number, scheme: 'http' | 'https' = 'http'): string[] {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return [];
  const v4: string[] = [];
  const v6: string[] = [];
  for (const address of addresses) {
    if (isIPv4(address)) {
      if (address !== '0.0.0.0') v4.push(`${scheme}://${address}:${port}`);
    } else if (isIPv6(address) && !address.includes('%') && !isLinkLocalIPv6(address) && address !== '::') {
      v6.push(`${scheme}://[${address.toLowerCase()}]:${port}`);
    }
  }
  return [...new Set([...v4, ...v6])];
}

/** What this module reads of a bonjour-service {@link Service}. */
export type BrowsedService = Pick<Service, 'port' | 'addresses' | 'txt' | 'referer'>;

/**
 * Turns the services a browser holds into one answer per host: services
 * are grouped by the TXT instance id (one host may be heard under more than
 * one service name, e.g. after renaming itself on a clash), with the
 * addresses of all of them. Services without a LanChat TXT record are left
 * out.
 */
export function answersFromServices(services: readonly BrowsedService[]): DiscoveryAnswer[] {
  const byId = new Map<string, DiscoveryAnswer>();
  for (const service of services) {
    const announcement = parseAnnouncementTxt(service.txt as Record<string, unknown> | undefined);
    if (announcement === null) continue;
    // The packet's source address is where the host surely is; its A/AAAA
    // records may also list interfaces the browser cannot reach.
    const addresses = [...(service.addresses ?? [])];
    if (service.referer?.address !== undefined) addresses.push(service.referer.address);
    const origins = originsFor(addresses, service.port, announcement.fingerprint === undefined ? 'http' : 'https');
    const known = byId.get(announcement.instanceId);
    if (known === undefined) {
      byId.set(announcement.instanceId, { ...announcement, origins });
    } else {
      // IPv4 origins stay ahead of IPv6 ones ("http://[") across services too.
      known.fingerprint ??= announcement.fingerprint;
      const merged = [...new Set([...known.origins, ...origins])];
      known.origins = [...merged.filter((o) => !o.includes('://[')), ...merged.filter((o) => o.includes('://['))];
    }
  }
  return [...byId.values()];
}

/**
 * Answers from mDNS on the LAN, through a bonjour-service browser for
 * `_lanchat._tcp`. It hears hosts that answer its query at start, hosts that
 * announce themselves later, goodbyes (the host is dropped at once) and
 * record TTLs running out; it asks again every
 * {@link DISCOVERY_REQUERY_INTERVAL_MS}.
 */
export function createMdnsAnswerSource(logger: Logger = silentLogger): DiscoveryAnswerSource {
  let bonjour: Bonjour | undefined;
  let browser: Browser | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    start(onAnswers, onError) {
      const opened = openBonjour(logger);
      bonjour = opened.bonjour;
      opened.ready.catch((error: Error) => onError(`mDNS (UDP port 5353) unavailable: ${error.message}`));
      const current = opened.bonjour.find({ type: DISCOVERY_SERVICE_TYPE });
      browser = current;
      const emit = (): void => onAnswers(answersFromServices(current.services));
      for (const event of ['up', 'down', 'srv-update', 'txt-update'] as const) current.on(event, emit);
      timer = setInterval(() => {
        current.expire();
        current.update();
      }, DISCOVERY_REQUERY_INTERVAL_MS);
      timer.unref();
    },
    forget(instanceId) {
      const current = browser;
      if (current === undefined) return;
      // Browser#removeService is private in its typings but is how the
      // browser itself drops a service on a goodbye; afterwards the next
      // announcement or query answer adds the host again as new.
      const remove = (current as unknown as { removeService?: (fqdn: string) => void }).removeService;
      for (const service of current.services) {
        if (parseAnnouncementTxt(service.txt as Record<string, unknown> | undefined)?.instanceId === instanceId) {
          remove?.call(current, service.fqdn);
        }
      }
    },
    async stop() {
      clearInterval(timer);
      browser?.stop();
      browser = undefined;
      if (bonjour !== undefined) await destroyBonjour(bonjour);
      bonjour = undefined;
    },
  };
}

// ---------------------------------------------------------------------------
// /rooms
// ---------------------------------------------------------------------------

/**
 * Reads a host's `/rooms`; rejects with an Error whose message says why not,
 * for people. `fingerprint` is the certificate an `https:` origin must
 * present (from the host's TXT record).
 */
export type RoomsFetcher = (origin: string, signal: AbortSignal, fingerprint?: string) => Promise<RoomsReport>;

/**
 * `GET <origin>/rooms`, at most {@link ROOMS_REPORT_MAX_BYTES} of body, as a
 * {@link RoomsReport}. Rejects when nothing answers, the answer is not
 * 200, too long, or not a LanChat report (another web server on that port).
 */
export const fetchRoomsReport: RoomsFetcher = async (origin, signal, fingerprint) => {
  const chunks: Uint8Array[] = [];
  if (origin.startsWith('https:')) {
    chunks.push(await fetchPinned(origin, signal, fingerprint));
  } else {
    const response = await fetch(`${origin}${ENDPOINT_PATHS.rooms}`, {
      signal,
      redirect: 'error',
      headers: { accept: 'application/json' },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`${origin} answered ${response.status} to ${ENDPOINT_PATHS.rooms}: not a LanChat host of this version`);
    }
    let size = 0;
    const reader = response.body?.getReader();
    while (reader !== undefined) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > ROOMS_REPORT_MAX_BYTES) {
        await reader.cancel();
        throw new Error(`${origin}${ENDPOINT_PATHS.rooms} is over ${ROOMS_REPORT_MAX_BYTES} bytes`);
      }
      chunks.push(value);
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error(`${origin}${ENDPOINT_PATHS.rooms} is not JSON: not a LanChat host`);
  }
  const report = parseRoomsReport(body);
  if (report === null) throw new Error(`${origin}${ENDPOINT_PATHS.rooms} is not a LanChat rooms report`);
  return report;
};

/**
 * `GET <origin>/rooms` over TLS from a host with a self-signed certificate:
 * no certificate authority vouches for it, so the certificate is accepted
 * only when its SHA-256 fingerprint is `fingerprint` (the host's TXT
 * record), checked before a byte of the body is read. Nothing secret is
 * sent. Node's `fetch` cannot do this (it offers no hook for the peer
 * certificate), hence node:https.
 */
function fetchPinned(origin: string, signal: AbortSignal, fingerprint: string | undefined): Promise<Buffer> {
  const url = `${origin}${ENDPOINT_PATHS.rooms}`;
  if (fingerprint === undefined) return Promise.reject(new Error(`${origin} serves TLS but its announcement has no fingerprint to check`));
  return new Promise((resolve, reject) => {
    // rejectUnauthorized: false only because the fingerprint check below
    // replaces the certificate authority's; the answer is dropped unread
    // when it does not match.
    const request = httpsRequest(url, { signal, rejectUnauthorized: false, headers: { accept: 'application/json' } }, (response) => {
      const presented = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
      if (typeof presented !== 'string' || !sameFingerprint(presented, fingerprint)) {
        response.destroy();
        reject(new Error(`${origin} presented another certificate than the one announced (${presented ?? 'none'}): not trusted`));
        return;
      }
      if (response.statusCode !== 200) {
        response.destroy();
        reject(new Error(`${origin} answered ${response.statusCode} to ${ENDPOINT_PATHS.rooms}: not a LanChat host of this version`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > ROOMS_REPORT_MAX_BYTES) {
          response.destroy();
          reject(new Error(`${url} is over ${ROOMS_REPORT_MAX_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve(Buffer.concat(chunks)));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

// ---------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------

/** A host the browser lists (defined beside the TXT record it comes from; the app adds `own`). */
export type { DiscoveredHostRecord } from './protocol/announcement';

/** Whether a browser runs: `off` when discovery is off for the process, `error` when mDNS could not start. */
export interface DiscoveryBrowserStatus {
  state: 'stopped' | 'running' | 'off' | 'error';
  error?: string;
}

/** Options of {@link createDiscoveryBrowser}. */
export interface DiscoveryBrowserOptions {
  /** @default silentLogger */
  logger?: Logger;
  /** @default DISCOVERY_POLL_INTERVAL_MS (3 s) */
  pollIntervalMs?: number;
  /** @default ROOMS_FETCH_TIMEOUT_MS (2 s) */
  fetchTimeoutMs?: number;
  /** @default fetchRoomsReport */
  fetchRooms?: RoomsFetcher;
  /**
   * Where answers come from. Default: mDNS on the LAN, or nothing (state
   * `off`) when `LANCHAT_DISCOVERY=off`. A source given here is used even
   * then: it is how tests feed answers without the network.
   */
  source?: DiscoveryAnswerSource;
}

/** Lists the LanChat hosts on the LAN. */
export interface DiscoveryBrowser {
  /** Starts listening and polling; does nothing when already started or discovery is off. */
  start(): void;
  /** Stops everything; safe to call twice. */
  stop(): Promise<void>;
  /** The hosts listed now, sorted by name. */
  hosts(): DiscoveredHostRecord[];
  status(): DiscoveryBrowserStatus;
  /** Calls `listener` whenever {@link hosts} or {@link status} changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** What the browser keeps per host. */
interface Entry {
  answer: DiscoveryAnswer;
  report: RoomsReport | null;
  /** The origin that answered last. */
  answeredAt: string | undefined;
  error: string | undefined;
  /** Failed polls in a row. */
  failures: number;
  /** When the first of those failures happened. */
  failingSince: number | undefined;
  polling: boolean;
}

/**
 * Creates a browser for LanChat hosts: hosts heard by mDNS are polled at
 * `GET /rooms` at once and then every `pollIntervalMs`, all their origins
 * in parallel. A host is listed from its first mDNS answer (rooms null
 * until `/rooms` answers), is dropped at once on an mDNS goodbye, and after
 * {@link MISSED_POLLS_TO_DROP} failed polls in a row; it comes back when
 * it answers again.
 */
export function createDiscoveryBrowser(options: DiscoveryBrowserOptions = {}): DiscoveryBrowser {
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = options.pollIntervalMs ?? DISCOVERY_POLL_INTERVAL_MS;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? ROOMS_FETCH_TIMEOUT_MS;
  const fetchRooms = options.fetchRooms ?? fetchRoomsReport;
  const off = options.source === undefined && discoveryDisabled();
  const entries = new Map<string, Entry>();
  const listeners = new Set<() => void>();
  let status: DiscoveryBrowserStatus = { state: off ? 'off' : 'stopped' };
  let source: DiscoveryAnswerSource | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastSnapshot = '';
  const inFlight = new Set<AbortController>();

  const visible = (entry: Entry): boolean => entry.failures < MISSED_POLLS_TO_DROP;

  const hosts = (): DiscoveredHostRecord[] =>
    [...entries.values()]
      .filter(visible)
      .map(({ answer, report, answeredAt, error }) => {
        const origins = answeredAt === undefined ? answer.origins : [answeredAt, ...answer.origins.filter((o) => o !== answeredAt)];
        const host: DiscoveredHostRecord = {
          instanceId: answer.instanceId,
          hostName: answer.hostName,
          protocol: answer.protocol,
          protected: answer.protected,
          origins,
          rooms: report?.rooms ?? null,
        };
        if (answer.fingerprint !== undefined) host.fingerprint = answer.fingerprint;
        if (error !== undefined) host.roomsError = error;
        if (report !== null) host.guestRooms = report.guestRooms;
        return host;
      })
      .sort((a, b) => a.hostName.localeCompare(b.hostName) || a.instanceId.localeCompare(b.instanceId));

  /** Tells listeners, only when something they can see changed. */
  const changed = (): void => {
    const snapshot = JSON.stringify([status, hosts()]);
    if (snapshot === lastSnapshot) return;
    lastSnapshot = snapshot;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        logger.error('discovery listener failed', { error: String(error) });
      }
    }
  };

  /** Reads one origin's report, failing on another host's answer (its address was reused). */
  const fetchFrom = async (origin: string, answer: DiscoveryAnswer, controller: AbortController): Promise<{ origin: string; report: RoomsReport }> => {
    const { instanceId } = answer;
    const report = await fetchRooms(origin, controller.signal, answer.fingerprint);
    if (report.instanceId !== instanceId) throw new Error(`${origin} is now another LanChat host`);
    return { origin, report };
  };

  const poll = async (entry: Entry): Promise<void> => {
    if (entry.polling || status.state !== 'running') return;
    const answer = entry.answer;
    const { instanceId, origins } = answer;
    entry.polling = true;
    const controller = new AbortController();
    inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${fetchTimeoutMs} ms`)), fetchTimeoutMs);
    try {
      if (origins.length === 0) throw new Error('announced no address this computer can use');
      // Every origin at once: a host's dead addresses (another subnet, a
      // VPN) cost no more than the timeout, and the first answer wins.
      const { origin, report } = await Promise.any(origins.map((o) => fetchFrom(o, answer, controller)));
      entry.report = report;
      entry.answeredAt = origin;
      entry.error = undefined;
      entry.failures = 0;
      entry.failingSince = undefined;
    } catch (error) {
      const reasons = error instanceof AggregateError ? error.errors : [error];
      entry.error = reasons.map((reason) => describeFetchError(reason, controller)).join('; ');
      entry.failures += 1;
      entry.failingSince ??= Date.now();
      logger.debug('discovery: /rooms failed', { instanceId, failures: entry.failures, error: entry.error });
      if (Date.now() - entry.failingSince > UNREACHABLE_FORGET_MS && entries.get(instanceId) === entry) {
        entries.delete(instanceId);
        source?.forget?.(instanceId);
      }
    } finally {
      clearTimeout(timeout);
      controller.abort();
      inFlight.delete(controller);
      entry.polling = false;
    }
    changed();
  };

  const onAnswers = (answers: DiscoveryAnswer[]): void => {
    const seen = new Set<string>();
    for (const answer of answers) {
      seen.add(answer.instanceId);
      const known = entries.get(answer.instanceId);
      if (known === undefined) {
        const entry: Entry = { answer, report: null, answeredAt: undefined, error: undefined, failures: 0, failingSince: undefined, polling: false };
        entries.set(answer.instanceId, entry);
        logger.info('discovery: found a host', { instanceId: answer.instanceId, hostName: answer.hostName, origins: answer.origins });
        void poll(entry);
      } else {
        const originsChanged = JSON.stringify(known.answer.origins) !== JSON.stringify(answer.origins);
        known.answer = answer;
        if (originsChanged) void poll(known);
      }
    }
    for (const instanceId of [...entries.keys()]) {
      if (!seen.has(instanceId)) {
        // A goodbye, or its records' TTL ran out: gone now.
        entries.delete(instanceId);
        logger.info('discovery: a host left', { instanceId });
      }
    }
    changed();
  };

  return {
    start() {
      if (off || status.state !== 'stopped') return;
      status = { state: 'running' };
      source = options.source ?? createMdnsAnswerSource(logger);
      source.start(onAnswers, (message) => {
        logger.warn('discovery cannot run', { error: message });
        status = { state: 'error', error: message };
        changed();
      });
      timer = setInterval(() => {
        for (const entry of entries.values()) void poll(entry);
      }, pollIntervalMs);
      timer.unref();
      changed();
    },
    async stop() {
      if (status.state !== 'running' && status.state !== 'error') return;
      status = { state: 'stopped' };
      clearInterval(timer);
      for (const controller of inFlight) controller.abort();
      entries.clear();
      const current = source;
      source = undefined;
      await current?.stop();
      changed();
    },
    hosts,
    status: () => ({ ...status }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** One failed `/rooms` request, in words: "connection refused", the timeout, or the fetcher's own message. */
function describeFetchError(error: unknown, controller: AbortController): string {
  if (controller.signal.aborted && controller.signal.reason instanceof Error) return controller.signal.reason.message;
  if (!(error instanceof Error)) return String(error);
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, …) is its cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return `${error.message}: ${cause.code}`;
  return error.message;
}

/**
 * Whether a bind address reaches this machine only (127.0.0.0/8, ::1,
 * localhost): such a host is never announced, since nobody who hears the
 * announcement could reach it.
 */
export function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}
