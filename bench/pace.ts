/**
 * Timing helpers: sending on a schedule (after each timer tick, as many
 * messages as the rate says should have gone by then) and sleeping. A busy process sends late and in bursts,
 * never fewer messages; each message takes its own timestamp when sent.
 *
 * @public
 */
import { performance } from 'node:perf_hooks';

/** Scheduler tick: Node's timers do not go finer than about 1 ms. */
const TICK_MS = 1;

/** Resolves after `ms`. @public */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `send(k)` for k = 0 … total-1 at `rate` per second, starting now.
 * Resolves after the last one.
 *
 * @public
 */
export function pace(rate: number, total: number, send: (k: number) => void): Promise<void> {
  const started = performance.now();
  let sent = 0;
  return new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1_000) + 1);
      while (sent < due) {
        send(sent);
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
}
