/**
 * The headless LanChat host: the same server as the desktop app, without
 * Electron. `npm run host -- --port 8080 --room lobby`.
 *
 * Exit codes: 0 after a clean shutdown, 1 when the host cannot start (port
 * busy, no permission), 2 for a bad command line.
 *
 * @public
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { createChatServer } from './chat-server';
import { DEFAULT_BIND_ADDRESS, DEFAULT_PORT } from './constants';
import { HostStartError } from './errors';
import { shareableUrls } from './lan-addresses';
import { createConsoleLogger, type LogLevel } from './logger';

const EXIT_START_FAILED = 1;
const EXIT_USAGE = 2;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const USAGE = `Usage: lanchat-host [options]

  --port <n>            TCP port, 0 for any free port (default ${DEFAULT_PORT})
  --host <address>      address to bind (default ${DEFAULT_BIND_ADDRESS}: the whole LAN;
                        127.0.0.1: this machine only)
  --room <name>         a room to create at start; repeatable (default: lobby)
  --max-text-bytes <n>  longest message text in UTF-8 bytes (default 8192)
  --web-root <dir>      built web client to serve at / (default: the bundled one)
  --no-web              serve no web client
  --log-level <level>   debug | info | warn | error (default info)
  -h, --help            show this help
  -v, --version         print the version
`;

class UsageError extends Error {}

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
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
        'max-text-bytes': { type: 'string' },
        'web-root': { type: 'string' },
        'no-web': { type: 'boolean' },
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
  let server;
  try {
    if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
    const port = integerOption('port', values.port) ?? DEFAULT_PORT;
    server = createChatServer({
      port,
      host: values.host ?? DEFAULT_BIND_ADDRESS,
      rooms: values.room ?? ['lobby'],
      maxTextBytes: integerOption('max-text-bytes', values['max-text-bytes']),
      webRoot: values['no-web'] ? undefined : (values['web-root'] ?? join(__dirname, '..', 'renderer')),
      logger: createConsoleLogger(logLevel),
      version,
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof TypeError) {
      process.stderr.write(`lanchat-host: ${error.message}\n`);
      return EXIT_USAGE;
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
  process.stdout.write(`LanChat host listening on http://${address.address}:${address.port}\n`);
  for (const url of shareableUrls(address.address, address.port)) {
    process.stdout.write(`  join at ${url}\n`);
  }

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.stdout.write('Shutting down…\n');
      server.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lanchat-host: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
