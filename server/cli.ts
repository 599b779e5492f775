/**
 * The headless LanChat host: the same server as the desktop app, without
 * Electron. `npm run host -- --port 8080 --room lobby`.
 *
 * Exit codes: 0 after a clean shutdown, 1 when the host cannot start (port
 * busy, no permission, history file unusable: one sentence naming the file
 * and what to do; the stack trace only with `--log-level debug`), 2 for a
 * bad command line.
 *
 * @public
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

import { createChatServer } from './chat-server';
import { DISCOVERY_ENV, discoveryDisabled, isLoopbackAddress, startAnnouncer, type Announcer } from './discovery';
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  DEFAULT_MAX_SESSIONS_WITHOUT_ORIGIN_PER_ADDRESS,
  DEFAULT_MAX_SOCKETS_PER_ADDRESS,
  DEFAULT_PORT,
} from './constants';
import { HistoryStoreError, HostStartError } from './errors';
import { IN_MEMORY } from './history-store';
import { shareableUrls } from './lan-addresses';
import { createConsoleLogger, type LogLevel } from './logger';
import { checkRoomName, inviteUrl } from './protocol';
import { ANNOUNCED_NAME_MAX_LENGTH } from './protocol/announcement';
import { PROTOCOL_VERSION } from './protocol/limits';
import { shortFingerprint } from './protocol/fingerprint';
import { TlsIdentityError, createSelfSignedIdentity, loadOrCreateTlsIdentity, loadTlsIdentityFiles, type TlsIdentity } from './tls-identity';

const EXIT_START_FAILED = 1;
const EXIT_USAGE = 2;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const USAGE = `Usage: lanchat-host [options]

  --port <n>            TCP port, 0 for any free port (default ${DEFAULT_PORT})
  --host <address>      address to bind (default ${DEFAULT_BIND_ADDRESS}: the whole LAN;
                        127.0.0.1: this machine only)
  --room <name>         a room to create at start; repeatable (default: lobby)
  --no-guest-rooms      members may join only existing rooms (the --room rooms and
                        rooms with history), not create new ones
  --password-file <file>  members must give the password in this file (its first
                        line) to join the --room rooms; a room keeps its protection
                        across restarts, and an already protected room's password
                        must match
  --password <secret>   the same, given on the command line: every user of this
                        machine can read it (ps, /proc/<pid>/cmdline); prefer
                        --password-file or the LANCHAT_PASSWORD environment variable
  --change-password     replace the --room rooms' stored password with the one given
  --remove-password     make the --room rooms open again
  --retention-days <n>  delete messages older than n days (default: keep all)
  --retention-messages <n>  keep at most n messages per room (default: keep all)
  --retention-bytes <n>     keep at most n bytes of messages per room (default: keep all)
  --max-members <n>     most members per room (default 1024)
  --allowed-origin <o>  also accept browsers from this http(s)://host[:port] origin;
                        repeatable; '*' accepts any (default: the host's own origin
                        and the desktop app only)
  --max-connections <n> most open connections (default 2048)
  --max-sockets-per-address <n>   most TCP sockets one client address may hold
                                  (default ${DEFAULT_MAX_SOCKETS_PER_ADDRESS})
  --max-sessions-per-address <n>  most chat connections from one address; more are
                                  closed with 4001 (default ${DEFAULT_MAX_SESSIONS_PER_ADDRESS})
  --max-sessions-without-origin <n>  of those, most opened without an Origin header
                                  (non-browser clients) (default ${DEFAULT_MAX_SESSIONS_WITHOUT_ORIGIN_PER_ADDRESS})
  --max-text-bytes <n>  longest message text in UTF-8 bytes (default 8192)
  --max-frame-bytes <n> largest WebSocket frame on /ws; over it: close 1009 (default 65536)
  --idle-timeout-ms <n> close connections silent this long (default 45000)
  --rate-limit <n/s>    messages per connection: burst n, refilled over s seconds (default 30/10)
  --send-buffer-bytes <n>   bytes queued for one client before it is cut off as slow (default 524288)
  --send-time-limit-ms <n>  how long one client's queue may stay backed up (default 10000)
  --sockjs-heartbeat-ms <n>       SockJS heartbeat interval (default 25000)
  --sockjs-disconnect-delay-ms <n> SockJS session lifetime without a request (default 5000)
  --sockjs-stream-bytes <n>       bytes per SockJS streaming response (default 131072)
  --sockjs-message-cache <n>      messages a SockJS session holds between polls (default 100)
  --sockjs-session-cookie         set the JSESSIONID cookie (sticky load balancers)
  --sockjs-test-services          also mount the SockJS protocol test suite's services
                                  (/echo, /disabled_websocket_echo, /cookie_needed_echo, /close)
  --data <file>         SQLite file with the rooms' history (default:
                        $XDG_DATA_HOME/lanchat/history.sqlite, i.e.
                        ~/.local/share/lanchat/history.sqlite); ':memory:' keeps none
  --fresh-history       start even though the history file lost messages its record
                        (<file>.record.json) says it held: begin a new history with
                        what the file holds
  --web-root <dir>      built web client to serve at / (default: the bundled one)
  --no-web              serve no web client
  --announce            announce the host on the LAN (mDNS, _lanchat._tcp) so LanChat
                        apps list it; the default unless --host is loopback
  --no-announce         do not announce it (people join by its address)
  --host-name <name>    the name LanChat apps show for this host (default: this
                        computer's name, ${hostname()})
  --tls                 serve HTTPS and WSS with a self-signed certificate made once
                        and kept beside the history file (tls-cert.pem, tls-key.pem);
                        clients check its fingerprint, printed at start (default: off)
  --no-tls              serve plain HTTP (the default for the CLI)
  --tls-cert <file>     serve HTTPS with this certificate (PEM) instead; needs
  --tls-key <file>      its private key (PEM); the two imply --tls
  --http-for-browsers <port>  with TLS, also serve plain HTTP on this port for
                        browsers that refuse the self-signed certificate (unencrypted)
  --log-level <level>   debug | info | warn | error (default info)
  -h, --help            show this help
  -v, --version         print the version

Environment:
  LANCHAT_PASSWORD      the --room rooms' password, if neither --password-file nor
                        --password is given
  ${DISCOVERY_ENV}=off  no LAN discovery at all (overrides --announce)
`;

class UsageError extends Error {}

/** Whether `--log-level debug` was given: only then do start-up failures show their stack trace. */
let debugLogging = false;

/** A start-up failure for people: its one sentence, and the stack trace only at debug level. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return debugLogging && error.stack ? `${error.message}\n${error.stack}` : error.message;
}

/** Environment variable with the rooms' password (not visible in the process list, unlike --password). */
const PASSWORD_ENV = 'LANCHAT_PASSWORD';

/** Permissions of the data directory the CLI creates: only its owner may read the history (as the desktop profile). */
const DATA_DIR_MODE = 0o700;

/**
 * The rooms' password: from --password-file (its first line, without the
 * line break an editor adds), LANCHAT_PASSWORD or --password, in that order
 * of preference; giving more than one is a usage error.
 */
function passwordOption(file: string | undefined, flag: string | undefined): string | undefined {
  const fromEnv = process.env[PASSWORD_ENV];
  const given = [file !== undefined, flag !== undefined, fromEnv !== undefined && fromEnv !== ''].filter(Boolean).length;
  if (given > 1) throw new UsageError(`give the password one way only: --password-file, --password or ${PASSWORD_ENV}`);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --password-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const password = text.split(/\r?\n/, 1)[0] ?? '';
    if (password === '') throw new UsageError(`--password-file ${file} is empty: its first line is the password`);
    return password;
  }
  if (flag !== undefined) {
    process.stderr.write(
      `lanchat-host: warning: --password is visible to every user of this machine (ps, /proc/<pid>/cmdline); use --password-file or ${PASSWORD_ENV} instead\n`,
    );
    return flag;
  }
  return fromEnv === '' ? undefined : fromEnv;
}

/**
 * Creates the history file's directory, readable by its owner only, when it
 * does not exist yet (the default one, or a --data path in a new
 * directory). An existing directory is left as its owner made it.
 */
function prepareDataDirectory(dataPath: string): void {
  if (dataPath === IN_MEMORY) return;
  const directory = dirname(dataPath);
  if (existsSync(directory)) return;
  try {
    // Parents (~/.local/share) get the usual mode; only LanChat's own
    // directory is private (the umask can only take permissions away).
    mkdirSync(dirname(directory), { recursive: true });
    mkdirSync(directory, { mode: DATA_DIR_MODE });
  } catch {
    // Not ours to report: opening the history store tries again and says
    // what is wrong with the path the way it reports every other problem.
  }
}

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

const MS_PER_SECOND = 1_000;
const MS_PER_DAY = 24 * 60 * 60 * MS_PER_SECOND;

/** The XDG data directory's lanchat/history.sqlite, where the CLI keeps history by default. */
function defaultDataPath(): string {
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'lanchat', 'history.sqlite');
}

/** Parses `--rate-limit 30/10` (30 messages, refilled over 10 s). */
function rateLimitOption(value: string | undefined): { messages: number; intervalMs: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match) throw new UsageError(`--rate-limit must look like 30/10 (messages/seconds), got "${value}"`);
  return { messages: Number(match[1]), intervalMs: Number(match[2]) * MS_PER_SECOND };
}

/**
 * Whether to announce the host on the LAN: by default whenever it is
 * reachable from the LAN at all. `--announce` on a loopback address is a
 * mistake worth saying (nobody who hears the announcement could connect),
 * not something to ignore.
 */
function announceOption(bindHost: string, announce: boolean | undefined, noAnnounce: boolean | undefined): boolean {
  if (announce && noAnnounce) throw new UsageError('give only one of --announce and --no-announce');
  if (isLoopbackAddress(bindHost)) {
    if (announce) throw new UsageError(`--announce needs a LAN address: --host ${bindHost} is reachable from this computer only`);
    return false;
  }
  return !noAnnounce;
}

/** The `--host-name` given, or this computer's name. */
function hostNameOption(value: string | undefined): string {
  if (value === undefined) return hostname();
  const name = value.trim();
  // TXT strings hold 255 bytes and the app shows the name in one line.
  if (name === '' || name.length > ANNOUNCED_NAME_MAX_LENGTH || /\p{Cc}/u.test(name)) {
    throw new UsageError(`--host-name must be 1 to ${ANNOUNCED_NAME_MAX_LENGTH} characters without control characters`);
  }
  return name;
}

/** Version from the package.json next to dist/ (or the repo root under tsx). */
function readVersion(): string {
  for (const candidate of [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', 'package.json')]) {
    try {
      const { name, version } = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (name === 'lanchat' && version) return version;
    } catch {
      // Not this candidate; try the next one.
    }
  }
  return '0.0.0';
}

/** The host's TLS identity, and where it comes from (for the start-up lines). */
interface CliTls {
  identity: TlsIdentity;
  /** The certificate file; undefined for a temporary one. */
  certPath?: string;
  /** `made now` on the first start with --tls, `temporary` with in-memory history. */
  note?: string;
}

/**
 * The TLS identity the command line asks for: none (the default, --no-tls),
 * the user's files (--tls-cert/--tls-key, which imply --tls), or the host's
 * own one beside the history file (--tls), made on the first start. With
 * in-memory history there is nowhere to keep it: a temporary one is made
 * for this run, and said so.
 *
 * @throws UsageError for contradictory flags; TlsIdentityError for unusable files
 */
async function tlsIdentity(
  values: { tls?: boolean; 'no-tls'?: boolean; 'tls-cert'?: string; 'tls-key'?: string; 'http-for-browsers'?: string },
  dataPath: string,
): Promise<CliTls | undefined> {
  const certPath = values['tls-cert'];
  const keyPath = values['tls-key'];
  const wanted = values.tls === true || certPath !== undefined || keyPath !== undefined;
  if (values['no-tls'] === true && (wanted || values['http-for-browsers'] !== undefined)) {
    throw new UsageError('--no-tls contradicts --tls, --tls-cert, --tls-key and --http-for-browsers');
  }
  if ((certPath === undefined) !== (keyPath === undefined)) throw new UsageError('--tls-cert and --tls-key go together: give both');
  if (!wanted) {
    if (values['http-for-browsers'] !== undefined) throw new UsageError('--http-for-browsers needs --tls: without it every listener is plain HTTP already');
    return undefined;
  }
  if (certPath !== undefined && keyPath !== undefined) return { identity: loadTlsIdentityFiles(certPath, keyPath), certPath };
  if (dataPath === IN_MEMORY) return { identity: await createSelfSignedIdentity(), note: 'temporary, for this run only: --data :memory: keeps nothing' };
  const stored = await loadOrCreateTlsIdentity(dirname(dataPath));
  return { identity: stored, certPath: stored.certPath, note: stored.created ? 'made now; it stays for the next starts' : undefined };
}

/** Prints the certificate's fingerprint (full and short) and the plain listener for browsers, if any. */
function printTls(tls: CliTls, browsers: { address: string; port: number } | undefined): void {
  const where = tls.certPath ?? 'in memory';
  process.stdout.write(`  TLS certificate: ${where}${tls.note === undefined ? '' : ` (${tls.note})`}\n`);
  process.stdout.write(`  fingerprint (SHA-256): ${tls.identity.fingerprint}\n`);
  process.stdout.write(`  short fingerprint: ${shortFingerprint(tls.identity.fingerprint)}\n`);
  if (browsers !== undefined) {
    for (const url of shareableUrls(browsers.address, browsers.port)) {
      process.stdout.write(`  browsers without encryption: ${url}\n`);
    }
  }
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        room: { type: 'string', multiple: true },
        password: { type: 'string' },
        'password-file': { type: 'string' },
        'change-password': { type: 'boolean' },
        'remove-password': { type: 'boolean' },
        'retention-days': { type: 'string' },
        'retention-messages': { type: 'string' },
        'retention-bytes': { type: 'string' },
        'max-members': { type: 'string' },
        'allowed-origin': { type: 'string', multiple: true },
        'max-connections': { type: 'string' },
        'max-sockets-per-address': { type: 'string' },
        'max-sessions-per-address': { type: 'string' },
        'max-sessions-without-origin': { type: 'string' },
        'max-text-bytes': { type: 'string' },
        'max-frame-bytes': { type: 'string' },
        'idle-timeout-ms': { type: 'string' },
        'rate-limit': { type: 'string' },
        'send-buffer-bytes': { type: 'string' },
        'send-time-limit-ms': { type: 'string' },
        'sockjs-heartbeat-ms': { type: 'string' },
        'sockjs-disconnect-delay-ms': { type: 'string' },
        'sockjs-stream-bytes': { type: 'string' },
        'sockjs-message-cache': { type: 'string' },
        'sockjs-session-cookie': { type: 'boolean' },
        'sockjs-test-services': { type: 'boolean' },
        data: { type: 'string' },
        'fresh-history': { type: 'boolean' },
        'web-root': { type: 'string' },
        'no-web': { type: 'boolean' },
        'no-guest-rooms': { type: 'boolean' },
        announce: { type: 'boolean' },
        'no-announce': { type: 'boolean' },
        'host-name': { type: 'string' },
        tls: { type: 'boolean' },
        'no-tls': { type: 'boolean' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'http-for-browsers': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (error) {
    process.stderr.write(`lanchat-host: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const version = readVersion();
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  debugLogging = logLevel === 'debug';
  let server;
  let announce = false;
  let hostName = '';
  let passwordGiven = false;
  const bindHost = values.host ?? DEFAULT_BIND_ADDRESS;
  let tls: CliTls | undefined;
  try {
    announce = announceOption(bindHost, values.announce, values['no-announce']);
    hostName = hostNameOption(values['host-name']);
    if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
    const port = integerOption('port', values.port) ?? DEFAULT_PORT;
    const maxMembers = integerOption('max-members', values['max-members']);
    const retentionDays = integerOption('retention-days', values['retention-days']);
    const password = passwordOption(values['password-file'], values.password);
    passwordGiven = password !== undefined;
    const dataPath = values.data ?? defaultDataPath();
    prepareDataDirectory(dataPath);
    tls = await tlsIdentity(values, dataPath);
    server = createChatServer({
      port,
      host: bindHost,
      hostName,
      rooms: (values.room ?? ['lobby']).map((name) => ({
        name,
        password,
        maxMembers,
        changePassword: values['change-password'],
        removePassword: values['remove-password'],
      })),
      retention: {
        maxAgeMs: retentionDays === undefined ? undefined : retentionDays * MS_PER_DAY,
        maxMessages: integerOption('retention-messages', values['retention-messages']),
        maxBytes: integerOption('retention-bytes', values['retention-bytes']),
      },
      maxMembersPerRoom: maxMembers,
      allowedOrigins: values['allowed-origin'],
      maxConnections: integerOption('max-connections', values['max-connections']),
      maxSocketsPerAddress: integerOption('max-sockets-per-address', values['max-sockets-per-address']),
      maxSessionsPerAddress: integerOption('max-sessions-per-address', values['max-sessions-per-address']),
      maxSessionsWithoutOriginPerAddress: integerOption('max-sessions-without-origin', values['max-sessions-without-origin']),
      maxTextBytes: integerOption('max-text-bytes', values['max-text-bytes']),
      maxFrameBytes: integerOption('max-frame-bytes', values['max-frame-bytes']),
      idleTimeoutMs: integerOption('idle-timeout-ms', values['idle-timeout-ms']),
      rateLimit: rateLimitOption(values['rate-limit']),
      sendBufferBytes: integerOption('send-buffer-bytes', values['send-buffer-bytes']),
      sendTimeLimitMs: integerOption('send-time-limit-ms', values['send-time-limit-ms']),
      sockjs: {
        heartbeatMs: integerOption('sockjs-heartbeat-ms', values['sockjs-heartbeat-ms']),
        disconnectDelayMs: integerOption('sockjs-disconnect-delay-ms', values['sockjs-disconnect-delay-ms']),
        streamBytesLimit: integerOption('sockjs-stream-bytes', values['sockjs-stream-bytes']),
        messageCacheSize: integerOption('sockjs-message-cache', values['sockjs-message-cache']),
        sessionCookie: values['sockjs-session-cookie'],
      },
      sockjsTestServices: values['sockjs-test-services'],
      dataPath,
      freshHistory: values['fresh-history'],
      webRoot: values['no-web'] ? undefined : (values['web-root'] ?? join(__dirname, '..', 'renderer')),
      logger: createConsoleLogger(logLevel),
      version,
      guestRooms: values['no-guest-rooms'] ? false : undefined,
      tls: tls === undefined ? undefined : { cert: tls.identity.cert, key: tls.identity.key },
      httpForBrowsersPort: integerOption('http-for-browsers', values['http-for-browsers']),
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof TypeError) {
      process.stderr.write(`lanchat-host: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof HistoryStoreError || error instanceof TlsIdentityError) {
      process.stderr.write(`lanchat-host: ${describeFailure(error)}\n`);
      return EXIT_START_FAILED;
    }
    throw error;
  }

  let address;
  try {
    address = await server.start();
  } catch (error) {
    if (error instanceof HostStartError) {
      const hint = error.code === 'EADDRINUSE' ? ' Choose another with --port, or --port 0 for any free port.' : '';
      process.stderr.write(`lanchat-host: ${error.message}${hint}\n`);
      return EXIT_START_FAILED;
    }
    throw error;
  }
  // SIGINT/SIGTERM are handled from the moment the host listens, before
  // anything is printed: a stop that comes while the start-up lines are
  // still being written (or the announcer is starting) is a clean stop too.
  let announcer: Announcer | undefined;
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      stopping = true;
      process.stdout.write('Shutting down…\n');
      // Goodbye first, so LanChat apps drop the host before its socket closes.
      const withdrawn = announcer?.stop() ?? Promise.resolve();
      void withdrawn.finally(() => server.close().then(resolve, resolve));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const scheme = tls === undefined ? 'http' : 'https';
  process.stdout.write(`LanChat host listening on ${scheme}://${address.address}:${address.port}\n`);
  process.stdout.write(`  history: ${values.data ?? defaultDataPath()}\n`);
  if (tls !== undefined) printTls(tls, server.httpForBrowsersAddress());
  if (values['sockjs-test-services']) {
    process.stdout.write('  SockJS test services: /echo /disabled_websocket_echo /cookie_needed_echo /close\n');
  }
  const urls = shareableUrls(address.address, address.port).map((url) => url.replace(/^http:/, `${scheme}:`));
  for (const url of urls) {
    process.stdout.write(`  join at ${url}\n`);
  }
  // One invite per room, at the first LAN address: a link that opens the
  // web client in that room. Never with a password: people are told that
  // another way.
  for (const name of values.room ?? ['lobby']) {
    const checked = checkRoomName(name);
    // With TLS the invite carries the fingerprint (`fp=`): the desktop app
    // pins it, so even the first connection is verified.
    if (checked.ok && urls[0] !== undefined) process.stdout.write(`Invite: ${inviteUrl(urls[0], checked.name, tls?.identity.fingerprint)}\n`);
  }
  if (!announce) {
    process.stdout.write('  not announced on the LAN\n');
  } else if (discoveryDisabled()) {
    process.stdout.write(`  not announced on the LAN: ${DISCOVERY_ENV}=off\n`);
  } else {
    try {
      announcer = await startAnnouncer({
        port: address.port,
        announcement: {
          protocol: PROTOCOL_VERSION,
          hostName,
          // The same id as /rooms reports: browsers check that the host
          // answering at an address is the one that was announced.
          instanceId: server.instanceId,
          protected: passwordGiven,
          // Browsers use https: origins for a host with a fingerprint and pin it.
          fingerprint: tls?.identity.fingerprint,
        },
        // A host bound to one IPv4 address announces on that interface only
        // (mDNS here is IPv4 multicast; a wildcard bind announces everywhere).
        interfaceAddress: isIPv4(bindHost) && bindHost !== DEFAULT_BIND_ADDRESS ? bindHost : undefined,
        logger: createConsoleLogger(logLevel),
      });
      if (stopping) {
        // Stopped while the announcer started: withdraw it at once.
        await announcer.stop();
      } else {
        process.stdout.write(`  announced on the LAN as "${announcer.name}" (_lanchat._tcp)\n`);
      }
    } catch (error) {
      // The chat works without discovery: people join by address.
      process.stderr.write(`lanchat-host: warning: ${(error as Error).message}; people can still join at the addresses above\n`);
    }
  }

  await stopped;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const hint = debugLogging ? '' : ' (run with --log-level debug for the details)';
    process.stderr.write(`lanchat-host: could not start: ${describeFailure(error)}${hint}\n`);
    process.exitCode = EXIT_START_FAILED;
  },
);
