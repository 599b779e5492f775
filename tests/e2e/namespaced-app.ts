/**
 * A real LanChat desktop app running inside a network namespace of a test
 * LAN (tests/lan-namespaces.ts), driven through tests/fixtures/app-driver.ts.
 *
 * Steps are functions run in the driver process: they get Playwright's
 * `app` and `window` and one JSON argument, and must not close over
 * anything else (they are sent as source text).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { ElectronApplication, Page } from 'playwright-core';

import type { LanNode } from '../lan-namespaces';

const REPO_ROOT = join(__dirname, '..', '..');
const DRIVER = join(REPO_ROOT, 'tests', 'fixtures', 'app-driver.ts');
/** How long the app may take to open its window inside the namespace. */
const READY_TIMEOUT_MS = 60_000;

/** What a step gets: the app and its window (null with `noApp`), and a way to open a Chromium page beside them. */
export interface StepContext {
  app: ElectronApplication;
  window: Page;
  /** `ignoreHTTPSErrors`: go past the self-signed warning, as a user who checked the fingerprint would. */
  newBrowserPage(options?: { ignoreHTTPSErrors?: boolean }): Promise<Page>;
}

/** A step run inside the driver. */
export type AppStep<A, R> = (context: StepContext, arg: A) => Promise<R>;

interface Reply {
  id?: number;
  ready?: boolean;
  ok?: boolean;
  result?: unknown;
  error?: string;
}

/** One app (or, with `noApp`, only a browser) in one namespace. */
export class NamespacedApp {
  readonly #driver: ChildProcess;
  readonly #userDataDir: string;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #ready: Promise<void>;
  #nextId = 1;
  #stderr = '';

  /**
   * @param node - where the app runs
   * @param env - extra environment (e.g. LANCHAT_DISCOVERY=on: discovery is off in every test unless it says so)
   */
  constructor(node: LanNode, label: string, env: Record<string, string> = {}, options: { noApp?: boolean } = {}) {
    this.#userDataDir = mkdtempSync(join(tmpdir(), `lanchat-netns-${label}-`));
    this.#driver = spawn(
      'ip',
      ['netns', 'exec', node.namespace, process.execPath, '--import', 'tsx', DRIVER, REPO_ROOT, this.#userDataDir, ...(options.noApp ? ['--no-app'] : [])],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.#driver.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4_000);
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`app in ${node.namespace} did not start: ${this.#stderr}`)), READY_TIMEOUT_MS);
      this.#driver.once('exit', (code) => {
        clearTimeout(timer);
        const error = new Error(`app driver in ${node.namespace} exited with ${code}: ${this.#stderr}`);
        reject(error);
        for (const { reject: fail } of this.#pending.values()) fail(error);
      });
      createInterface({ input: this.#driver.stdout! }).on('line', (line) => {
        let reply: Reply;
        try {
          reply = JSON.parse(line) as Reply;
        } catch {
          return; // the app's own console output
        }
        if (reply.ready === true) {
          clearTimeout(timer);
          resolve();
        } else if (reply.ready === false) {
          reject(new Error(`app in ${node.namespace} failed to start: ${reply.error}`));
        } else if (reply.id !== undefined) {
          const waiter = this.#pending.get(reply.id);
          this.#pending.delete(reply.id);
          if (reply.ok) waiter?.resolve(reply.result);
          else waiter?.reject(new Error(reply.error));
        }
      });
    });
  }

  /** Resolves once the app's window has loaded. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Runs `step` in the driver with `arg` and returns its result. */
  async run<A, R>(step: AppStep<A, R>, arg: A): Promise<R> {
    await this.#ready;
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve: (value) => resolve(value as R), reject });
      this.#driver.stdin?.write(`${JSON.stringify({ id, fn: step.toString(), arg })}\n`);
    });
  }

  /** Closes the app (its host says goodbye on the way) and removes its profile. */
  async close(): Promise<void> {
    if (this.#driver.exitCode === null) {
      const exited = new Promise((resolve) => this.#driver.once('exit', resolve));
      this.#driver.stdin?.end();
      const timer = setTimeout(() => this.#driver.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.#userDataDir, { recursive: true, force: true });
  }
}
