/**
 * A minimal structured logger interface, so the host logs to the console in
 * the CLI, to the main process from a utility process, and nowhere in tests.
 *
 * @public
 */

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the server needs from a logger. @public */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A logger writing one line per entry to stderr, dropping entries below `level`.
 *
 * @public
 */
export function createConsoleLogger(level: LogLevel = 'info'): Logger {
  const write =
    (entryLevel: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (LEVEL_RANK[entryLevel] < LEVEL_RANK[level]) return;
      const suffix = fields ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`${new Date().toISOString()} ${entryLevel.toUpperCase()} ${message}${suffix}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** A logger that drops everything (tests, benchmarks). @public */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
