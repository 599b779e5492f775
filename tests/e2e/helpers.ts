/**
 * Launchers for the end-to-end tests: the real Electron app (built into
 * dist/) through Playwright's Electron driver, and Debian's Chromium.
 * Tests run as root, so both get --no-sandbox; the shipped app never does.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { _electron as electron, chromium, type Browser, type ElectronApplication, type Locator, type Page } from 'playwright-core';

const REPO_ROOT = join(__dirname, '..', '..');
/** Debian's Chromium (no browser download here). */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags that keep Chromium off the (closed) network and quiet. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running LanChat desktop app with its own profile directory. */
export interface LaunchedApp {
  app: ElectronApplication;
  window: Page;
  userDataDir: string;
  /** Closes the app (stopping its host) and deletes the profile unless asked to keep it. */
  close(options?: { keepProfile?: boolean }): Promise<void>;
}

/**
 * Launches the built desktop app with a fresh profile, or with `userDataDir`
 * to reopen one; `extraEnv` adds environment variables (test seams such as
 * LANCHAT_TEST_OPEN_EXTERNAL_LOG, electron/external-links.ts), `extraArgs`
 * command-line arguments (a `lanchat://` link).
 */
export async function launchApp(
  label: string,
  existingUserDataDir?: string,
  extraEnv: Record<string, string> = {},
  extraArgs: string[] = [],
): Promise<LaunchedApp> {
  const userDataDir = existingUserDataDir ?? mkdtempSync(join(tmpdir(), `lanchat-e2e-${label}-`));
  const app = await electron.launch({
    args: [REPO_ROOT, '--no-sandbox', ...extraArgs],
    cwd: REPO_ROOT,
    env: { ...process.env, ...extraEnv, LANCHAT_USER_DATA_DIR: userDataDir } as Record<string, string>,
  });
  const window = await app.firstWindow();
  await window.waitForLoadState('domcontentloaded');
  return {
    app,
    window,
    userDataDir,
    async close(options = {}) {
      await app.close().catch(() => undefined);
      if (!options.keepProfile) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Launches headless Debian Chromium. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Fills the start screen and hosts a room reachable from this machine only. */
export async function hostRoom(window: Page, name: string, room: string, port = 0): Promise<string> {
  await submitHostForm(window, name, room, port);
  await window.getByTestId('chat-screen').waitFor();
  return (await window.getByTestId('share-url').first().textContent())?.trim() ?? '';
}

/** Fills the start screen's host form (this computer only) and presses Host, without waiting for the outcome. */
export async function submitHostForm(window: Page, name: string, room: string, port = 0): Promise<void> {
  await window.getByTestId('name-input').fill(name);
  await window.getByTestId('host-port-input').fill(String(port));
  await window.getByTestId('host-room-input').fill(room);
  await window.getByTestId('host-scope-select').selectOption('local');
  await window.getByTestId('host-button').click();
}

/**
 * Fills the start screen and joins a room by address. A room the host does
 * not have yet makes the join form ask first: pass `create: true` to expect
 * that question and press "Create room"; without it the room must exist.
 */
export async function joinRoom(page: Page, name: string, address: string, room: string, options: { create?: boolean } = {}): Promise<void> {
  await submitJoinForm(page, name, address, room);
  if (options.create === true) await page.getByTestId('create-room-button').click();
  await page.getByTestId('chat-screen').waitFor();
}

/** Fills the start screen's Join form and presses Join, without waiting for the outcome. */
export async function submitJoinForm(page: Page, name: string, address: string, room: string, password = ''): Promise<void> {
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('join-address-input').fill(address);
  await page.getByTestId('join-room-input').fill(room);
  await page.getByTestId('join-password-input').fill(password);
  await page.getByTestId('join-button').click();
}

/** Types a message and presses Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('message-input').press('Enter');
}

/** The texts of the messages on screen, in display order. */
export async function messageTexts(page: Page): Promise<string[]> {
  return page.getByTestId('message-text').allTextContents();
}

/** The names in the member list, sorted. */
export async function memberNames(page: Page): Promise<string[]> {
  const names = await page.getByTestId('member').evaluateAll((nodes) =>
    nodes.map((node) => {
      const clone = node.cloneNode(true) as HTMLElement;
      clone.querySelectorAll('[data-testid="member-you"]').forEach((you) => you.remove());
      return (clone.textContent ?? '').trim();
    }),
  );
  return names.sort();
}

const DESKTOP_VIEWPORT = { width: 1280, height: 800 };
const PHONE_VIEWPORT = { width: 390, height: 844 };

/**
 * Screenshots of `page` for people to look at, when $LANCHAT_SHOTS_DIR is
 * set: light and dark, desktop (1280×800) and phone (390×844) width, as
 * `<name>-<desktop|phone>-<light|dark>.png`. Leaves the page light at
 * desktop width. By default the whole page; with `scrollTo`, the viewport
 * after scrolling that element into view (a part that sits in a scrolling
 * strip, such as the member list on a phone).
 */
export async function shootScreens(page: Page, name: string, options: { scrollTo?: Locator } = {}): Promise<void> {
  const directory = process.env.LANCHAT_SHOTS_DIR;
  if (directory === undefined) return;
  mkdirSync(directory, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [width, size] of [
      ['desktop', DESKTOP_VIEWPORT],
      ['phone', PHONE_VIEWPORT],
    ] as const) {
      await page.setViewportSize(size);
      await options.scrollTo?.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(directory, `${name}-${width}-${scheme}.png`), fullPage: options.scrollTo === undefined });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP_VIEWPORT);
}
