// Test helper: Debian's headless Chromium driven over the Chrome DevTools Protocol on a pipe
// (--remote-debugging-pipe: JSON messages ended by a NUL byte, commands on fd 3, replies and
// events on fd 4, as puppeteer's PipeTransport speaks it), so a test needs neither a WebSocket
// client nor a debugging port. One tab, one session ("flatten" mode), what a person sees of a page.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

const COMMAND_TIMEOUT_MS = 15000;

interface Message {
  readonly id?: number;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly message: string };
  readonly sessionId?: string;
}

type Listener = (params: Record<string, unknown>) => void;

/** A top-level document the tab requested (Network.requestWillBeSent/responseReceived of type Document). */
export interface DocumentRequest {
  readonly method: string;
  readonly url: string;
  status?: number;
  mimeType?: string;
}

export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
    private readonly commands: Writable,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    let buffered = '';
    const replies = child.stdio[4] as Readable;
    replies.setEncoding('utf8');
    replies.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
        this.dispatch(JSON.parse(buffered.slice(0, end)) as Message);
        buffered = buffered.slice(end + 1);
      }
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const { reject } of this.pending.values()) reject(new Error(`chromium exited; its stderr:\n${this.stderr}`));
      this.pending.clear();
    });
  }

  /**
   * Starts `chromium --headless` in its own process group (it forks a zygote, a GPU and renderer
   * processes) with a throw-away profile. Rejects with a clear message when Chromium is not
   * installed: the browser test is part of the suite, and CI installs the package.
   */
  static async launch(): Promise<HeadlessChromium> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-chromium-'));
    const args = [
      '--headless',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-dev-shm-usage',
      // Chromium refuses to run its sandbox as root; the tests run as root in CI.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      'about:blank',
    ];
    const child = spawn('chromium', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    const started = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err: NodeJS.ErrnoException) => {
        fs.rmSync(profile, { recursive: true, force: true });
        reject(
          err.code === 'ENOENT'
            ? new Error("chromium is not installed: the demo's browser test needs Debian's chromium package (tools/setup/install-debian-packages.sh installs it)")
            : err,
        );
      });
    });
    await started;
    const browser = new HeadlessChromium(child, profile, child.stdio[3] as Writable);
    try {
      await browser.send('Browser.getVersion');
    } catch (err) {
      await browser.close();
      throw err;
    }
    return browser;
  }

  /** Sends one CDP command (to the browser, or to a tab's session) and resolves with its result. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`chromium did not answer ${method} within ${COMMAND_TIMEOUT_MS} ms; its stderr:\n${this.stderr}`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.commands.write(`${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`);
    });
  }

  /** Calls listener for every event `method` of session `sessionId`; returns the unsubscribe. */
  on(sessionId: string, method: string, listener: Listener): () => void {
    const key = `${sessionId} ${method}`;
    const set = this.listeners.get(key) ?? new Set<Listener>();
    this.listeners.set(key, set.add(listener));
    return () => set.delete(listener);
  }

  /** Opens a tab and attaches to it. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, String(sessionId));
    await page.enable();
    return page;
  }

  /** Closes the browser (Browser.close, then SIGKILL to its process group) and removes its profile. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.killGroup(), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    // helpers outlive their browser process for a moment; none may outlive the test
    this.killGroup();
    fs.rmSync(this.profile, { recursive: true, force: true });
  }

  private killGroup(): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  private dispatch(message: Message): void {
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`CDP error: ${message.error.message}`));
      else waiter?.resolve(message.result ?? {});
      return;
    }
    if (message.method === undefined) return;
    for (const listener of this.listeners.get(`${message.sessionId ?? ''} ${message.method}`) ?? []) listener(message.params ?? {});
  }
}

/** One tab: navigate, click, read the DOM; it records the documents it loaded and the page errors it saw. */
export class Page {
  /** Top-level documents in the order the tab requested them. */
  readonly documents: DocumentRequest[] = [];
  /** Uncaught exceptions in the pages' scripts, as the DevTools console would show them. */
  readonly errors: string[] = [];

  constructor(
    private readonly browser: HeadlessChromium,
    private readonly sessionId: string,
  ) {}

  async enable(): Promise<void> {
    const byId = new Map<string, DocumentRequest>();
    this.browser.on(this.sessionId, 'Network.requestWillBeSent', (p) => {
      const request = p['request'] as { method: string; url: string };
      if (p['type'] !== 'Document') return;
      const doc: DocumentRequest = { method: request.method, url: request.url };
      byId.set(String(p['requestId']), doc);
      this.documents.push(doc);
    });
    this.browser.on(this.sessionId, 'Network.responseReceived', (p) => {
      const doc = byId.get(String(p['requestId']));
      const response = p['response'] as { status: number; mimeType: string };
      if (doc === undefined) return;
      doc.status = response.status;
      doc.mimeType = response.mimeType;
    });
    this.browser.on(this.sessionId, 'Runtime.exceptionThrown', (p) => {
      const details = p['exceptionDetails'] as { text: string; exception?: { description?: string } };
      this.errors.push(details.exception?.description ?? details.text);
    });
    for (const domain of ['Page', 'Runtime', 'Network']) await this.send(`${domain}.enable`);
  }

  /** Loads url the way typing it into the address bar does, and waits for its load event. */
  async goto(url: string): Promise<void> {
    await this.untilLoaded(async () => {
      const { errorText } = await this.send('Page.navigate', { url });
      if (errorText !== undefined) throw new Error(`navigating to ${url}: ${String(errorText)}`);
    });
  }

  /** Evaluates expression in the page and returns its value (JSON-serialisable values only). */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails !== undefined) throw new Error(`evaluating ${expression}: ${JSON.stringify(exceptionDetails)}`);
    return (result as { value: T }).value;
  }

  /** Clicks the element a CSS selector names, as a person would, and waits for the page it leads to. */
  async clickAndWait(selector: string): Promise<void> {
    await this.untilLoaded(() => this.click(selector));
  }

  /** Clicks the element a CSS selector names (no navigation expected). */
  async click(selector: string): Promise<void> {
    const found = await this.evaluate<boolean>(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return false; e.click(); return true; })()`);
    if (!found) throw new Error(`no element ${selector} on ${await this.evaluate<string>('location.href')}`);
  }

  /** Focuses the field a CSS selector names and types text into it (Input.insertText, as an IME would). */
  async type(selector: string, text: string): Promise<void> {
    const found = await this.evaluate<boolean>(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return false; e.focus(); return true; })()`);
    if (!found) throw new Error(`no field ${selector} on ${await this.evaluate<string>('location.href')}`);
    await this.send('Input.insertText', { text });
  }

  /** The page's text as rendered (innerText: what is laid out and visible, not the markup). */
  text(): Promise<string> {
    return this.evaluate<string>('document.body.innerText');
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  private async untilLoaded(action: () => Promise<void>): Promise<void> {
    let off: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => {
      off = this.browser.on(this.sessionId, 'Page.loadEventFired', () => resolve());
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await action();
      await Promise.race([
        loaded,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no load event within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      off();
    }
  }
}
