// What both httpd-ts systemd tests (httpd.e2e.ts, httpd-watcher.e2e.ts) need: the package as it
// is installed (command on PATH, config in /etc/httpd-ts, the shipped units, sysusers.d and
// tmpfiles.d files, the fixture docroot) and curl's answer split into status, headers and body.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@libs/testing';
import type { SystemdContainer } from '../systemd-container';

export const BUNDLE = path.join(workspaceRoot, 'services/httpd/dist/httpd-ts.js');
export const UNITS = path.join(workspaceRoot, 'deploy/systemd');
export const FIXTURES = path.join(__dirname, 'fixtures', 'httpd');
// The service runs with PrivateTmp=yes, which hides a checkout under /tmp: inside the container
// the repo is also mounted where an installed package would live, and the docroot goes to /srv.
export const INSTALLED = '/opt/httpd-ts';
export const DOCROOT = '/srv/httpd-ts/htdocs';
export const CONF = '/etc/httpd-ts/httpd-ts.conf';
export const PID_FILE = '/run/httpd-ts/httpd-ts.pid';
export const ERROR_LOG = '/var/log/httpd-ts/error.log';
export const SERVICE = 'httpd-ts.service';
export const SOCKET = 'httpd-ts.socket';
export const TMPFILES = 'httpd-ts.tmpfiles.conf';
export const TMPFILES_INSTALLED = '/etc/tmpfiles.d/httpd-ts.conf';
export const SYSUSERS = 'httpd-ts.sysusers.conf';
export const SYSUSERS_INSTALLED = '/etc/sysusers.d/httpd-ts.conf';
// The shipped socket listens on port 80 of the container's own network namespace (--private-network):
// requests are made from inside with curl.
export const ORIGIN = 'http://127.0.0.1';

/** The path of a repository file as the container sees it. */
export function installedPath(hostPath: string): string {
  return path.join(INSTALLED, path.relative(workspaceRoot, hostPath));
}

/** Installs httpd-ts as a package would, with `config` (a fixture file's text) as /etc/httpd-ts/httpd-ts.conf. */
export async function installHttpd(container: SystemdContainer, config: string): Promise<void> {
  await container.run(['ln', '-sf', installedPath(BUNDLE), '/usr/local/bin/httpd-ts']);
  await container.writeFile(CONF, config);
  const htdocs = path.join(FIXTURES, 'htdocs');
  for (const file of readdirSync(htdocs, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    const from = path.join(file.parentPath, file.name);
    await container.writeFile(path.join(DOCROOT, path.relative(htdocs, from)), readFileSync(from));
  }
  await container.writeFile(`/etc/systemd/system/${SERVICE}`, readFileSync(path.join(UNITS, SERVICE)));
  await container.writeFile(`/etc/systemd/system/${SOCKET}`, readFileSync(path.join(UNITS, SOCKET)));
  await container.writeFile(TMPFILES_INSTALLED, readFileSync(path.join(UNITS, TMPFILES)));
  await container.writeFile(SYSUSERS_INSTALLED, readFileSync(path.join(UNITS, SYSUSERS)));
}

export interface Response {
  code: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  stderr: string;
}

/** One request with curl inside the container; `args` are extra curl options (headers, rate limits). */
export async function curlRequest(container: SystemdContainer, url: string, ...args: string[]): Promise<Response> {
  // -g: no URL globbing, so "[::1]" is an address
  const res = await container.curl(url, '-i', '-g', ...args);
  const split = res.stdout.indexOf('\r\n\r\n');
  const head = split >= 0 ? res.stdout.slice(0, split).split('\r\n') : [];
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
  return { code: res.code, status, headers, body: split >= 0 ? res.stdout.slice(split + 4) : '', stderr: res.stderr };
}

/** The error log is written asynchronously: poll it like the journal. */
export async function waitForErrorLog(container: SystemdContainer, pattern: RegExp, timeoutMs = 5_000): Promise<string> {
  let text = '';
  await container.waitFor(`${ERROR_LOG} to match ${pattern}`, timeoutMs, async () => {
    text = await container.readFile(ERROR_LOG).catch((e: Error) => e.message);
    return { done: pattern.test(text), last: text.split('\n').slice(-5).join('\n') };
  });
  return text;
}
