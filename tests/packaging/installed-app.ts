/**
 * Launches an installed LanChat binary and drives it over the Chrome DevTools
 * Protocol (`--remote-debugging-port`, a Chromium switch).
 *
 * Why not Playwright's Electron launcher (tests/e2e/helpers.ts): it starts
 * the app with `--inspect=0` and talks to Node's inspector, which the
 * packaged app's EnableNodeCliInspectArguments fuse turns off on purpose.
 * CDP reaches the renderer only, which is all a user-level test needs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

/** How long the app may take to open its DevTools endpoint and its window (2 cores, Xvfb). */
const STARTUP_TIMEOUT_MS = 60_000;
/** How long the app may take to quit after SIGTERM before its process group is killed. */
const QUIT_TIMEOUT_MS = 10_000;
/** Log lines kept per app for failure messages. */
const LOG_TAIL_LINES = 40;
/** Printed by Chromium on stderr once the DevTools server listens. */
const DEVTOOLS_LINE = /DevTools listening on (ws:\/\/\S+)/;
/**
 * Chromium switches that keep a covered window rendering. Under Xvfb there is
 * no window manager: both apps' windows open at the same place, Chromium
 * marks the lower one occluded and stops its animation frames, and
 * Playwright, which waits for an element to be stable across frames before
 * clicking it, would wait forever.
 */
const KEEP_RENDERING_SWITCHES = ['--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding'];
/** URL prefix of the app's own pages (electron/app-protocol.ts). */
const APP_PAGE_PREFIX = 'app://lanchat/';
const POLL_INTERVAL_MS = 100;

/** A running installed app with its own profile. */
export interface InstalledApp {
  /** The app's window. */
  page: Page;
  /** Its LANCHAT_USER_DATA_DIR. */
  userDataDir: string;
  /** The last lines the app printed (for failure messages). */
  logTail(): string;
  /** Quits the app (SIGTERM, then SIGKILL for its process group) and deletes its profile. */
  close(): Promise<void>;
}

/**
 * Starts `binary` with a fresh profile and connects to its window.
 *
 * Root must pass --no-sandbox (Chromium refuses to run sandboxed as root);
 * the shipped desktop entry never does.
 */
export async function launchInstalledApp(binary: string, label: string): Promise<InstalledApp> {
  const userDataDir = mkdtempSync(join(tmpdir(), `lanchat-package-${label}-`));
  // detached: the app leads its own process group (zygote, GPU and host
  // utility processes), so close() can end exactly that group.
  const child = spawn(binary, ['--no-sandbox', '--remote-debugging-port=0', ...KEEP_RENDERING_SWITCHES], {
    env: { ...process.env, LANCHAT_USER_DATA_DIR: userDataDir },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const logTail = (): string => log.slice(-LOG_TAIL_LINES).join('\n');
  let browser: Browser | undefined;

  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await stopProcessGroup(child);
    rmSync(userDataDir, { recursive: true, force: true });
  };

  try {
    const endpoint = await waitForDevTools(child, log);
    // noDefaults: no download or emulation overrides, which Electron's CDP
    // refuses for its default context ("Browser context management is not
    // supported") and which a test of the real app should not apply anyway.
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true });
    const page = await waitForAppPage(browser);
    await page.waitForLoadState('domcontentloaded');
    return { page, userDataDir, logTail, close };
  } catch (error) {
    await close();
    throw new Error(`${label}: ${binary} did not start: ${(error as Error).message}\n${logTail()}`);
  }
}

/** Collects the app's output and resolves with its DevTools WebSocket URL. */
function waitForDevTools(child: ChildProcess, log: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no DevTools endpoint in time')), STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      log.push(...text.split('\n').filter(Boolean));
      const match = DEVTOOLS_LINE.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    // Both pipes are read for the app's whole life, so it never blocks on a full pipe.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited early (code ${code}, signal ${signal})`));
    });
  });
}

/** Waits for the window that shows the app's own page. */
async function waitForAppPage(browser: Browser): Promise<Page> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const page = browser
      .contexts()
      .flatMap((context) => context.pages())
      .find((candidate) => candidate.url().startsWith(APP_PAGE_PREFIX));
    if (page) return page;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`no ${APP_PAGE_PREFIX} page in time`);
}

/** SIGTERM (the app quits and stops its host), then SIGKILL for whatever is left of its group. */
async function stopProcessGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS))]);
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the whole group is already gone, which is what we want.
  }
}
