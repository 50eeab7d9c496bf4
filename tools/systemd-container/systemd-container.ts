// A real systemd as PID 1 of a systemd-nspawn container, for end-to-end tests of our units
// ("systemctl start httpd-ts" for real): boot, run commands inside, install units, read the journal.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, promises as fs, readdirSync, readFileSync, realpathSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '@libs/testing';
import {
  errBootTimeout,
  errCommandFailed,
  errContainerGone,
  errExecTimeout,
  errNotRoot,
  errNspawnExited,
  errWaitTimeout,
} from './errors';
import { runCommand, type CommandResult } from './host-command';
import { killContainer, killNspawn, killPid1, reapOrphans, registerLive, removeLeftovers, unregisterLive, type LiveRecord } from './live-registry';
import { ensureRootfs, type ProgressLog } from './rootfs';

export type ExecResult = CommandResult;

export interface BootOptions {
  /** Where the root file system is cached (default: `<workspace>/tmp/systemd-rootfs`, git-ignored). */
  cacheDir?: string;
  /** More host directories to bind read-write at the same path inside the container. */
  bind?: readonly string[];
  bootTimeoutMs?: number;
  /** How long shutdown() lets `systemctl poweroff` take before it kills the container (default 20 s). */
  poweroffTimeoutMs?: number;
  /** Progress lines (rootfs build, boot time); silent by default. */
  log?: ProgressLog;
}

export interface ExecOptions {
  input?: string | Buffer;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const DEFAULT_CACHE_DIR = path.join(workspaceRoot, 'tmp', 'systemd-rootfs');
const DEFAULT_BOOT_TIMEOUT_MS = 60_000;
const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
const DEFAULT_POWEROFF_TIMEOUT_MS = 20_000;
const NSPAWN_REAP_TIMEOUT_MS = 5_000;
const POLL_MS = 50;
// Commands inside get the container's own clean environment, not the test runner's.
const INSIDE_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'SYSTEMD_COLORS=0', 'SYSTEMD_PAGER='];

let machineCounter = 0;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The child of `parent` whose command is `comm`, found through /proc (nspawn forks PID 1 of the container). */
function childNamed(parent: number, comm: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (ppid === parent && name === comm) return Number(entry);
  }
  return undefined;
}

async function consoleTail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(-40).join('\n');
}

export class SystemdContainer {
  private shutdownPromise: Promise<void> | undefined;
  private gone = false;

  private constructor(
    /** Host pid of the container's systemd (PID 1 inside): the target of nsenter. */
    readonly pid1: number,
    readonly machine: string,
    /** Host temp directory bound at the same path inside: unix sockets created here are reachable from both sides. */
    readonly sharedDir: string,
    /** Everything the container printed on its console (systemd's boot and shutdown messages). */
    readonly consoleLog: string,
    private readonly workDir: string,
    private readonly nspawn: ChildProcess,
    private readonly nspawnExit: Promise<void>,
    private readonly poweroffTimeoutMs: number,
  ) {}

  /** Kills containers whose test process died without shutting them down; boot() does this first. Returns their names. */
  static reapOrphans(cacheDir: string = DEFAULT_CACHE_DIR): string[] {
    return reapOrphans(path.join(cacheDir, 'live'));
  }

  static async boot(options: BootOptions = {}): Promise<SystemdContainer> {
    if (process.getuid?.() !== 0) throw errNotRoot();
    const log = options.log ?? (() => undefined);
    const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
    const liveDir = path.join(cacheDir, 'live');
    for (const machine of SystemdContainer.reapOrphans(cacheDir)) log(`killed orphaned container ${machine}`);
    const rootfs = await ensureRootfs(cacheDir, log);

    const started = Date.now();
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'systemd-e2e-'));
    const sharedDir = path.join(workDir, 'shared');
    await fs.mkdir(sharedDir, { mode: 0o755 });
    const consoleLog = path.join(workDir, 'console.log');
    const machine = `e2e-${process.pid}-${++machineCounter}`;
    const args = [
      '-D',
      rootfs,
      '--boot',
      '--register=no',
      '--keep-unit',
      '--private-network',
      // The cached tree stays pristine and several containers can share it: writes go to a tmpfs overlay.
      '--volatile=overlay',
      `--machine=${machine}`,
      `--bind-ro=${realpathSync(process.execPath)}:/usr/bin/node`,
      // Same path inside, so tsconfig path aliases and node_modules resolve as on the host.
      `--bind=${workspaceRoot}`,
      `--bind=${sharedDir}`,
      ...(options.bind ?? []).map((dir) => `--bind=${dir}`),
    ];
    const out = openSync(consoleLog, 'a');
    // detached = setsid: nspawn gets its own session and process group, away from the test's terminal.
    const nspawn = spawn('systemd-nspawn', args, { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    let exitInfo: { code: number | null; signal: string | null } | undefined;
    const nspawnExit = new Promise<void>((resolve) => {
      nspawn.on('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolve();
      });
      nspawn.on('error', () => {
        exitInfo = { code: null, signal: null };
        resolve();
      });
    });

    const bootTimeout = options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
    const poweroffTimeoutMs = options.poweroffTimeoutMs ?? DEFAULT_POWEROFF_TIMEOUT_MS;
    const deadline = started + bootTimeout;
    let pid1: number | undefined;
    let container: SystemdContainer | undefined;
    let state = 'not started';
    try {
      while (Date.now() < deadline && !exitInfo) {
        if (pid1 === undefined && nspawn.pid !== undefined) {
          pid1 = childNamed(nspawn.pid, 'systemd');
          if (pid1 !== undefined) {
            container = new SystemdContainer(pid1, machine, sharedDir, consoleLog, workDir, nspawn, nspawnExit, poweroffTimeoutMs);
            const record: LiveRecord = { owner: process.pid, nspawn: nspawn.pid, pid1, machine, workDir };
            registerLive(liveDir, record);
          }
        }
        if (container) {
          state = (await container.systemctl('is-system-running')).stdout.trim();
          if (state === 'running' || state === 'degraded') {
            log(`container ${machine} booted (${state}) in ${Date.now() - started} ms`);
            return container;
          }
        }
        await sleep(POLL_MS);
      }
      if (exitInfo) throw errNspawnExited(exitInfo.code, exitInfo.signal, await consoleTail(consoleLog));
      throw errBootTimeout(bootTimeout, state, await consoleTail(consoleLog));
    } catch (e) {
      if (container) await container.shutdown();
      else {
        const record: LiveRecord = { owner: process.pid, nspawn: nspawn.pid ?? -1, pid1: pid1 ?? -1, machine, workDir };
        killContainer(record);
        await nspawnExit;
        removeLeftovers(record);
      }
      throw e;
    }
  }

  /** Host pid of systemd-nspawn (leader of its own process group). */
  get nspawnPid(): number {
    return this.nspawn.pid ?? -1;
  }

  /** Runs argv inside every namespace of the container (as root, with a clean environment). */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.gone) throw errContainerGone(`run ${argv.join(' ')}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    return runCommand(
      'nsenter',
      ['-t', String(this.pid1), '-a', 'env', '-i', ...INSIDE_ENV, ...argv],
      { input: options.input, timeoutMs },
      (ms) => errExecTimeout(argv, ms),
    );
  }

  /** Like exec, but a non-zero exit is an error (E2E_ERR_COMMAND_FAILED); resolves with stdout. */
  async run(argv: readonly string[], options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(argv, options);
    if (result.code !== 0) throw errCommandFailed(argv, result.code, result.stderr);
    return result.stdout;
  }

  systemctl(...args: string[]): Promise<ExecResult> {
    return this.exec(['systemctl', ...args]);
  }

  /** Writes a file inside the container (through /proc/PID/root, so it lands in the container's own mount namespace). */
  async writeFile(insidePath: string, content: string | Buffer, mode = 0o644): Promise<void> {
    if (this.gone) throw errContainerGone(`write ${insidePath}`);
    const target = path.join(`/proc/${this.pid1}/root`, insidePath);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content, { mode });
  }

  async readFile(insidePath: string): Promise<string> {
    if (this.gone) throw errContainerGone(`read ${insidePath}`);
    return fs.readFile(path.join(`/proc/${this.pid1}/root`, insidePath), 'utf8');
  }

  /** Installs a unit file into /etc/systemd/system and reloads the manager. */
  async installUnit(name: string, text: string): Promise<void> {
    await this.writeFile(path.posix.join('/etc/systemd/system', name), text);
    await this.run(['systemctl', 'daemon-reload']);
  }

  /** `journalctl -u unit --no-pager`: systemd's own lines about the unit and the unit's output. */
  async journal(unit: string): Promise<string> {
    return (await this.exec(['journalctl', '-u', unit, '--no-pager', '-o', 'short-precise'])).stdout;
  }

  /** One property of a unit, e.g. property('tiny.service', 'MainPID'). */
  async property(unit: string, name: string): Promise<string> {
    return (await this.run(['systemctl', 'show', '-p', name, '--value', unit])).trim();
  }

  /** Polls until the unit's ActiveState is `state` (active, activating, inactive, failed, …). */
  async waitForState(unit: string, state: string, timeoutMs = 10_000): Promise<void> {
    await this.waitFor(`${unit} to be ${state}`, timeoutMs, async () => {
      const current = await this.property(unit, 'ActiveState');
      return { done: current === state, last: current };
    });
  }

  /** Polls the unit's journal until a line matches. Journald writes asynchronously, so tests wait rather than read once. */
  async waitForJournal(unit: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    let text = '';
    await this.waitFor(`journal of ${unit} to match ${pattern}`, timeoutMs, async () => {
      text = await this.journal(unit);
      return { done: pattern.test(text), last: text.split('\n').slice(-5).join('\n') };
    });
    return text;
  }

  /** Generic poll: `check` reports whether it is done and what it saw (for the timeout message). */
  async waitFor(what: string, timeoutMs: number, check: () => Promise<{ done: boolean; last: string }>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const result = await check();
      if (result.done) return;
      last = result.last;
      if (Date.now() > deadline) throw errWaitTimeout(what, timeoutMs, last);
      await sleep(POLL_MS);
    }
  }

  /** Connects from the host to a unix socket the container listens on (it must live under sharedDir). */
  connect(socketPath: string): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  /** HTTP GET from the host over a unix socket in sharedDir (one request, connection closed after). */
  httpGet(socketPath: string, urlPath: string, timeoutMs = 10_000): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const req = http.get({ socketPath, path: urlPath, agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('timeout', () => req.destroy(errExecTimeout(['GET', urlPath], timeoutMs)));
      req.on('error', reject);
    });
  }

  /** curl inside the container, for services that listen on the container's own loopback (--private-network). */
  curl(url: string, ...args: string[]): Promise<ExecResult> {
    return this.exec(['curl', '-sS', '--max-time', '10', ...args, url]);
  }

  /**
   * Powers the container off; if systemd does not finish in time, kills PID 1 (and with it the
   * whole container) and nspawn. Idempotent: safe to call from afterAll whatever state the test left.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = await Promise.race([this.nspawnExit.then(() => true), timeout]);
    clearTimeout(timer);
    return exited;
  }

  private async doShutdown(): Promise<void> {
    const record: LiveRecord = { owner: process.pid, nspawn: this.nspawnPid, pid1: this.pid1, machine: this.machine, workDir: this.workDir };
    if (this.nspawn.exitCode === null && this.nspawn.signalCode === null) {
      await this.exec(['systemctl', 'poweroff'], { timeoutMs: 5_000 }).catch(() => undefined);
      if (!(await this.exitsWithin(this.poweroffTimeoutMs))) {
        killPid1(record);
        // nspawn notices its container died, reaps it and exits; only a wedged nspawn is killed too.
        if (!(await this.exitsWithin(NSPAWN_REAP_TIMEOUT_MS))) killNspawn(record);
        await this.nspawnExit;
      }
    }
    this.gone = true;
    unregisterLive(this.machine);
    removeLeftovers(record);
  }
}
