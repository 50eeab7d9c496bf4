// What a person sees of `npm run demo` in a browser: the demo stack (tools/demo/run-demo.ts, the
// README's first command after setup and build) on a port the kernel picks, opened in Debian's
// headless Chromium: the index page and its links, the directory listing, the page fpm-ts renders
// and its form's POST round trip, both status pages through httpd-ts, and Ctrl-C stopping it all.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readLines, spawnTs, type LineReader } from '@libs/testing';
import { HeadlessChromium, type Page } from './headless-chromium';

jest.setTimeout(60000);

let demo: ChildProcess | undefined;
let demoOut: LineReader;
let demoErr = '';
let base = '';
let browser: HeadlessChromium | undefined;
let page: Page;

function running(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

beforeAll(async () => {
  browser = await HeadlessChromium.launch();
  page = await browser.newPage();
  // its own process group, as a shell job is: Ctrl-C reaches the demo, httpd-ts and fpm-ts alike
  demo = spawnTs(path.join(__dirname, 'run-demo.ts'), [], { env: { DEMO_PORT: '0' }, detached: true });
  demo.stderr?.setEncoding('utf8');
  demo.stderr?.on('data', (chunk: string) => (demoErr += chunk));
  demoOut = readLines(demo.stdout);
  const ready = await demoOut.next((line) => line.startsWith('Both keep running'), 40000).catch((err: Error) => {
    throw new Error(`${err.message}\ndemo stderr:\n${demoErr}`);
  });
  base = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(ready)?.[1] ?? '';
  expect(base).not.toBe('');
});

afterAll(async () => {
  await browser?.close();
  // a test that failed before the last one: Ctrl-C (the demo removes its directory), then SIGKILL
  if (running(demo) && demo.pid !== undefined) {
    const pgid = demo.pid;
    const exited = new Promise((resolve) => demo?.once('exit', resolve));
    process.kill(-pgid, 'SIGINT');
    const timer = setTimeout(() => process.kill(-pgid, 'SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  }
});

/** Opens the index page and follows its link to href, as a person clicking through the demo. */
async function follow(href: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.clickAndWait(`a[href="${href}"]`);
  expect(await page.evaluate<string>('location.href')).toBe(`${base}${href}`);
}

function lastDocument(): { method: string; url: string; status?: number; mimeType?: string } | undefined {
  return page.documents[page.documents.length - 1];
}

it('shows the index page with a link to every part of the demo', async () => {
  await page.goto(`${base}/`);
  expect(await page.evaluate<string>('document.title')).toBe('httpd-ts demo');
  expect(await page.text()).toContain('httpd-ts is serving');
  const links = await page.evaluate<string[]>('[...document.links].map((a) => a.getAttribute("href"))');
  expect(links).toEqual(expect.arrayContaining(['/files/', '/form.mjs', '/status?html', '/server-status']));
  expect(lastDocument()).toMatchObject({ method: 'GET', status: 200, mimeType: 'text/html' });
});

it('shows the directory listing with the files in it', async () => {
  await follow('/files/');
  expect(await page.evaluate<string>('document.title')).toBe('Index of /files/');
  const names = await page.evaluate<string[]>('[...document.querySelectorAll("td.n a")].map((a) => a.textContent)');
  expect(names).toEqual(['..', 'data.json', 'readme.txt']);
  await page.clickAndWait('a[href="readme.txt"]');
  expect(await page.text()).toContain('Served by mod_staticfile');
});

it('renders the JavaScript page fpm-ts answers: a form with nothing sent yet', async () => {
  await follow('/form.mjs');
  expect(lastDocument()).toMatchObject({ method: 'GET', status: 200, mimeType: 'text/html' });
  expect(await page.evaluate<string>('document.title')).toBe('fpm-ts form');
  const text = await page.text();
  expect(text).toContain('Rendered by fpm-ts');
  expect(text).toContain('Nothing sent yet.');
  const fields = await page.evaluate<string[]>('[...document.forms[0].elements].map((e) => e.name || e.textContent)');
  expect(fields).toEqual(['name', 'note', 'Send']);
});

it('sends the form through httpd-ts to fpm-ts and shows what it received, as typed', async () => {
  await page.goto(`${base}/form.mjs`);
  // markup, non-ASCII and characters form encoding escapes: shown back literally, not interpreted
  const name = 'Zoë <b>bold</b>';
  const note = 'a+b = 100% & "quoted"';
  await page.type('input[name="name"]', name);
  await page.type('input[name="note"]', note);
  await page.clickAndWait('button[type="submit"]');

  expect(lastDocument()).toMatchObject({ method: 'POST', url: `${base}/form.mjs`, status: 200, mimeType: 'text/html' });
  expect(await page.text()).toContain('Received');
  const received = await page.evaluate<string[]>('[...document.querySelectorAll("#received dt, #received dd")].map((e) => e.textContent)');
  expect(received).toEqual(['name', name, 'note', note]);
  expect(await page.evaluate<number>('document.querySelectorAll("#received b").length')).toBe(0);
});

it("shows fpm-ts's status page through httpd-ts, as HTML and as text", async () => {
  await follow('/status?html');
  expect(await page.evaluate<string>('document.title')).toBe('fpm-ts Status Page');
  const rows = await page.evaluate<Record<string, string>>(
    'Object.fromEntries([...document.querySelectorAll("tr")].map((tr) => [tr.querySelector("th").textContent, tr.querySelector("td").textContent]))',
  );
  expect(rows).toMatchObject({ pool: 'www', 'process manager': 'dynamic', 'max children reached': '0' });
  // the form page and its POST above went to this pool
  expect(Number(rows['accepted conn'])).toBeGreaterThanOrEqual(3);

  await page.goto(`${base}/status`);
  expect(lastDocument()).toMatchObject({ status: 200, mimeType: 'text/plain' });
  expect(await page.text()).toMatch(/^pool:\s+www$/m);
});

it("shows httpd-ts's own status page (mod_status), and its sort script runs", async () => {
  await follow('/server-status');
  expect(await page.evaluate<string>('document.title')).toBe('Status');
  expect(await page.evaluate<string>('document.querySelector("h1").textContent')).toMatch(/^Server-Status \(httpd-ts\/\d+\.\d+\.\d+\)$/);
  const text = await page.text();
  // every page this browser loaded went through httpd-ts and is counted
  const requests = Number(/^Requests\s+(\d+)\s+req$/m.exec(text)?.[1]);
  expect(requests).toBeGreaterThanOrEqual(page.documents.length);
  expect(text).toContain('/server-status (/server-status)');

  // upstream's table sorter: a click on a column header sorts by it and shows the arrow
  const uriHeader = 'th.status:nth-child(7) a.sortheader';
  expect(await page.evaluate<string>(`document.querySelector('${uriHeader}').textContent`)).toBe('URI:');
  await page.click(uriHeader);
  expect(await page.evaluate<string>(`document.querySelector('${uriHeader} span.sortarrow').textContent`)).toBe('↓');
  await page.click(uriHeader);
  expect(await page.evaluate<string>(`document.querySelector('${uriHeader} span.sortarrow').textContent`)).toBe('↑');
  expect(page.errors).toEqual([]);
});

it('stops httpd-ts and fpm-ts on Ctrl-C and cleans up after itself', async () => {
  if (!running(demo) || demo.pid === undefined) throw new Error(`the demo is not running; its stderr:\n${demoErr}`);
  const dir = /configs (\S+)\/httpd-ts\.conf/.exec(demoOut.all.join('\n'))?.[1] ?? '';
  expect(fs.existsSync(path.join(dir, 'www.sock'))).toBe(true);
  const exited = new Promise<number | null>((resolve) => demo?.once('exit', (code) => resolve(code)));
  process.kill(-demo.pid, 'SIGINT');
  expect(await exited).toBe(0);
  expect(demoErr).not.toMatch(/demo failed/);
  await expect(fetch(`${base}/`)).rejects.toThrow();
  expect(fs.existsSync(dir)).toBe(false);
  // nothing of the stack is left in its process group
  expect(() => process.kill(-(demo?.pid ?? 0), 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});
