/**
 * The real desktop app's shell against hostile content (issue 13, findings 3
 * and 13): a fake chat host that offers only SockJS's iframe transports, a
 * page script that opens windows, frames a host or navigates away, and the
 * window's actual web preferences read back from the main process.
 *
 * `shell.openExternal` is observed through the test seam of
 * electron/external-links.ts: with LANCHAT_TEST_OPEN_EXTERNAL_LOG set, the
 * real call path records each URL it would open in that file instead of
 * starting a browser. The hostile host is a plain node:http server on
 * 127.0.0.1, port 0, that records every request it gets.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PROTOCOL_VERSION } from '../../server/protocol';

import { expect } from './expect';
import { launchApp, type LaunchedApp } from './helpers';

const APP_URL = 'app://lanchat/index.html';
const PHISHING_URL = 'https://phish.example/login';

/**
 * The page a hostile host serves for SockJS's iframe transports: it tries to
 * open a window without any click (which the old window-open handler passed
 * on to shell.openExternal) and reports that it ran.
 */
const HOSTILE_IFRAME_PAGE = `<!doctype html><html><body><script>
  fetch('/ran-in-app-window', { method: 'POST' }).catch(() => {});
  window.open(${JSON.stringify(PHISHING_URL)});
</script></body></html>`;

/** A chat host that says "no WebSocket" and fails every request but its iframe page. */
class HostileHost {
  readonly requests: string[] = [];
  readonly #server: Server;
  port = 0;

  constructor() {
    this.#server = createServer((request, response) => this.#answer(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Paths requested so far that load a page of the host into a frame. */
  framePageRequests(): string[] {
    return this.requests.filter((path) => path.startsWith('/sockjs/') && /\.html($|\?)/.test(path)).concat(
      this.requests.filter((path) => path.startsWith('/ran-in-app-window')),
    );
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '/';
    this.requests.push(path);
    // CORS for the app's origin, as a real host would give, so the only
    // thing that fails is what this host chooses to fail.
    response.setHeader('Access-Control-Allow-Origin', request.headers.origin ?? '*');
    response.setHeader('Access-Control-Allow-Credentials', 'true');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Content-Type' });
      response.end();
      return;
    }
    // A valid rooms report: the join form asks for it before connecting
    // (renderer/src/lib/host-probe.ts), and a hostile host can fake it.
    if (path === '/rooms') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({ name: 'lanchat', protocol: PROTOCOL_VERSION, version: '1.0.0', hostName: 'Mallory', instanceId: 'hostile', guestRooms: false, rooms: [{ name: 'lobby', protected: false, members: 0 }] }),
      );
      return;
    }
    if (/^\/sockjs\/info(\?|$)/.test(path)) {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ websocket: false, origins: ['*:*'], cookie_needed: false, entropy: 42 }));
      return;
    }
    if (path === '/foreign.html') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><title>a page of another origin</title>');
      return;
    }
    if (/\.html($|\?|#)/.test(path)) {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(HOSTILE_IFRAME_PAGE);
      return;
    }
    response.writeHead(500, { 'Content-Type': 'text/plain' });
    response.end('no');
  }
}

describe('the desktop shell against hostile content', () => {
  let app: LaunchedApp;
  let host: HostileHost;
  let hostUrl = '';
  let scratch = '';
  let openExternalLog = '';

  /** URLs the app handed to shell.openExternal (through the test seam). */
  function openedExternally(): string[] {
    if (!existsSync(openExternalLog)) return [];
    return readFileSync(openExternalLog, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as { url: string }).url);
  }

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'lanchat-e2e-shell-'));
    openExternalLog = join(scratch, 'open-external.jsonl');
    host = new HostileHost();
    hostUrl = await host.start();
    app = await launchApp('shell', undefined, { LANCHAT_TEST_OPEN_EXTERNAL_LOG: openExternalLog });
  });

  after(async () => {
    await app?.close();
    await host?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs on Electron 33 (Chromium 130) or newer, not the end-of-life 25', async () => {
    const versions = await app.app.evaluate(() => ({ electron: process.versions.electron, chrome: process.versions.chrome }));
    assert.ok(Number(versions.electron.split('.')[0]) >= 33, `Electron ${versions.electron}`);
    assert.ok(Number(versions.chrome.split('.')[0]) >= 130, `Chromium ${versions.chrome}`);
  });

  it('runs the window sandboxed and isolated, as the main process sees it', async () => {
    const settings = await app.app.evaluate(({ BrowserWindow }) => {
      const [window] = BrowserWindow.getAllWindows();
      // getLastWebPreferences is missing from Electron's typings but present at run time.
      const contents = window!.webContents as Electron.WebContents & { getLastWebPreferences(): Record<string, unknown> };
      return { preferences: contents.getLastWebPreferences(), spellchecker: contents.session.isSpellCheckerEnabled() };
    });
    assert.deepEqual(
      {
        sandbox: settings.preferences.sandbox,
        contextIsolation: settings.preferences.contextIsolation,
        nodeIntegration: settings.preferences.nodeIntegration,
        nodeIntegrationInSubFrames: settings.preferences.nodeIntegrationInSubFrames,
        webSecurity: settings.preferences.webSecurity,
        allowRunningInsecureContent: settings.preferences.allowRunningInsecureContent,
        experimentalFeatures: settings.preferences.experimentalFeatures,
        enableBlinkFeatures: settings.preferences.enableBlinkFeatures,
        webviewTag: settings.preferences.webviewTag,
      },
      {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        enableBlinkFeatures: '',
        webviewTag: false,
      },
    );
    // No Hunspell dictionary download from Google's CDN (Linux/Windows).
    assert.equal(settings.spellchecker, process.platform === 'darwin');
  });

  it('grants the page only the clipboard write it needs (permission checks)', async () => {
    const states = await app.window.evaluate(async () => ({
      notifications: Notification.permission,
      geolocation: (await navigator.permissions.query({ name: 'geolocation' })).state,
      clipboardWrite: (await navigator.permissions.query({ name: 'clipboard-write' as PermissionName })).state,
    }));
    assert.deepEqual(states, { notifications: 'denied', geolocation: 'denied', clipboardWrite: 'granted' });
  });

  it('sends its strict Content-Security-Policy with the page', async () => {
    const policy = await app.app.evaluate(async ({ net }) => {
      const response = await net.fetch('app://lanchat/index.html');
      return response.headers.get('content-security-policy') ?? '';
    });
    for (const directive of ["frame-src 'none'", "child-src 'none'", "object-src 'none'", "script-src 'self'"]) {
      assert.ok(policy.includes(directive), `${directive} in ${policy}`);
    }
  });

  it('never lets a host that offers only iframe transports frame its page or open a browser', async () => {
    const { window } = app;
    await window.getByTestId('name-input').fill('Mallory-victim');
    await window.getByTestId('join-address-input').fill(hostUrl);
    await window.getByTestId('join-room-input').fill('lobby');
    await window.getByTestId('join-button').click();
    // The client either loads the host's iframe page (the bug) or goes
    // through its data-only transports to xhr-polling, the last one
    // (sockjs-client tries iframe transports before xhr-polling).
    await expect(
      async () => host.framePageRequests().length > 0 || host.requests.some((path) => /\/xhr(\?|$)/.test(path)),
      true,
    );
    assert.deepEqual(host.framePageRequests(), []);
    assert.deepEqual(
      window.frames().map((frame) => frame.url()),
      [APP_URL],
    );
    assert.deepEqual(openedExternally(), []);
  });

  it('refuses a frame of a host even when a script creates it (CSP frame-src)', async () => {
    const framedPath = '/framed-by-script.html';
    const violation = await app.window.evaluate(async (src) => {
      const seen = new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective), { once: true }),
      );
      const frame = document.createElement('iframe');
      frame.src = src;
      document.body.append(frame);
      const directive = await seen;
      frame.remove();
      return directive;
    }, `${hostUrl}${framedPath}`);
    assert.equal(violation, 'frame-src');
    assert.ok(!host.requests.includes(framedPath), 'the host never got the frame request');
    assert.deepEqual(openedExternally(), []);
  });

  it('opens no window and no browser for window.open from a script', async () => {
    const opened = await app.window.evaluate((url) => window.open(url) === null, PHISHING_URL);
    assert.equal(opened, true);
    assert.equal(app.app.windows().length, 1);
    assert.deepEqual(openedExternally(), []);
  });

  it('opens a clicked http(s) link only through openExternalLink, validated in main', async () => {
    type Result = { ok: true } | { ok: false; code: string };
    // Without a click: refused before it reaches the main process. The call
    // runs from a fresh document through executeJavaScript without a user
    // gesture; Playwright's own evaluate() counts as one (CDP userGesture).
    // Reloaded through Playwright, so that its later evaluate() calls run in
    // the new document rather than racing the old one's teardown.
    await app.window.reload();
    // Transient activation lasts a few seconds; wait until none is left (so
    // the refusal below is the preload's check, not a race).
    const activeNow = (): Promise<boolean> =>
      app.app.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows()[0]!.webContents.executeJavaScript('navigator.userActivation.isActive', false),
      ) as Promise<boolean>;
    await expect(activeNow, false);
    const unclicked = (await app.app.evaluate(
      ({ BrowserWindow }, url) =>
        BrowserWindow.getAllWindows()[0]!.webContents.executeJavaScript(
          `window.lanChat.openExternalLink(${JSON.stringify(url)})`,
          false,
        ),
      'https://example.org/unclicked',
    )) as Result;
    assert.deepEqual(
      { ok: unclicked.ok, code: 'code' in unclicked ? unclicked.code : null },
      { ok: false, code: 'LINK_ERR_NO_USER_GESTURE' },
      'a script without a click',
    );

    // With a real click (Playwright's mouse input gives the page user activation).
    const clickTo = async (url: string): Promise<Result> => {
      await app.window.evaluate((target) => {
        const button = document.createElement('button');
        button.id = 'open-link-button';
        button.textContent = 'open';
        button.addEventListener('click', () => {
          const bridge = (window as unknown as { lanChat: { openExternalLink(url: string): Promise<Result> } }).lanChat;
          (window as unknown as { linkResult?: Promise<Result> }).linkResult = bridge.openExternalLink(target);
        });
        document.body.prepend(button);
      }, url);
      await app.window.locator('#open-link-button').click();
      const result = await app.window.evaluate(() => (window as unknown as { linkResult: Promise<Result> }).linkResult);
      await app.window.locator('#open-link-button').evaluate((button) => button.remove());
      return result;
    };
    assert.deepEqual(await clickTo('https://example.org/clicked'), { ok: true }, 'a clicked https link');
    for (const [url, code] of [
      ['file:///etc/passwd', 'LINK_ERR_SCHEME'],
      ['javascript:alert(1)', 'LINK_ERR_SCHEME'],
      ['smb://evil.example/share', 'LINK_ERR_SCHEME'],
      ['https://user:secret@example.org/', 'LINK_ERR_CREDENTIALS'],
      ['not a url', 'LINK_ERR_INVALID_URL'],
    ] as const) {
      const result = await clickTo(url);
      assert.deepEqual({ ok: result.ok, code: 'code' in result ? result.code : null }, { ok: false, code }, url);
    }
    assert.deepEqual(openedExternally(), ['https://example.org/clicked']);
  });

  it('answers IPC only from the app page, not from a window of another origin', async () => {
    // A second window of this app with the same preload, showing a page of
    // the (hostile) host: the sender is one of the app's windows, but its
    // frame is not app://lanchat, so the main process must refuse it.
    const outcome = await app.app.evaluate(async ({ app: electronApp, BrowserWindow }, url) => {
      const foreign = new BrowserWindow({
        show: false,
        webPreferences: { preload: `${electronApp.getAppPath()}/dist/electron/preload.js`, sandbox: true, contextIsolation: true },
      });
      try {
        await foreign.loadURL(url);
        return await foreign.webContents.executeJavaScript(
          'window.lanChat.getAppInfo().then(() => "answered", (error) => "refused: " + error.message)',
        );
      } finally {
        foreign.destroy();
      }
    }, `${hostUrl}/foreign.html`);
    assert.match(outcome, /^refused: .*not the app's own page/);
  });

  it('stays on app:// when a script assigns location or the user clicks a link', async () => {
    // Records every navigation attempt the window sees, after the app's own
    // will-navigate handler (registered when the window was created) ran.
    await app.app.evaluate(({ BrowserWindow }) => {
      const window = BrowserWindow.getAllWindows()[0]!;
      const attempts: Array<{ url: string; prevented: boolean }> = [];
      (globalThis as { navigationAttempts?: typeof attempts }).navigationAttempts = attempts;
      window.webContents.on('will-navigate', (event) => attempts.push({ url: event.url, prevented: event.defaultPrevented }));
    });
    const attempts = (): Promise<Array<{ url: string; prevented: boolean }>> =>
      app.app.evaluate(() => (globalThis as { navigationAttempts?: Array<{ url: string; prevented: boolean }> }).navigationAttempts ?? []);

    await app.window.evaluate((url) => {
      const link = document.createElement('a');
      link.href = url;
      link.textContent = 'a link in the page';
      link.id = 'hostile-link';
      document.body.prepend(link);
    }, `${hostUrl}/clicked`);
    // noWaitAfter: Playwright would otherwise wait for the navigation the
    // click starts, and a navigation refused in will-navigate never finishes.
    await app.window.locator('#hostile-link').click({ noWaitAfter: true });
    await expect(async () => (await attempts()).length, 1);

    await app.window.evaluate((url) => {
      location.href = url;
    }, `${hostUrl}/assigned`);
    await expect(async () => (await attempts()).length, 2);

    assert.deepEqual(await attempts(), [
      { url: `${hostUrl}/clicked`, prevented: true },
      { url: `${hostUrl}/assigned`, prevented: true },
    ]);
    const shown = await app.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.getURL());
    assert.equal(shown, APP_URL);
    assert.ok(!host.requests.some((path) => path === '/assigned' || path === '/clicked'));
  });
});
