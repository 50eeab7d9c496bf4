// Starting and stopping the servers a benchmark measures: pinned to a core with taskset, waited
// on until they answer, killed (with their children) at the end; plus their memory (PSS).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export function startPinned(name: string, core: number, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn('taskset', ['-c', String(core), command, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env, detached: true });
  let stderr = '';
  let stopping = false;
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (!stopping && code !== 0 && signal === null) process.stderr.write(`${name} exited with code ${code}: ${stderr}\n`);
  });
  return {
    name,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // The whole process group: masters and their workers.
      process.kill(-(child.pid ?? 0), 'SIGTERM');
      const timer = setTimeout(() => process.kill(-(child.pid ?? 0), 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitForHttp(port: number, path = '/', timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing answers on 127.0.0.1:${port} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** /proc/<pid>/stat from field 3 (state) on: the command before it may hold spaces. Null: gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The process and all its descendants, from /proc. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields === null) continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(rootPid);
  return out;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux for x86 and arm). */
const USER_HZ = 100;

/** CPU seconds (user + system) the processes have used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    // utime and stime are fields 14 and 15 of stat(5).
    const fields = statFields(pid);
    if (fields !== null) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / USER_HZ;
}

/** A "Name: N kB" line of a /proc/<pid> file, summed over the processes (a process that is gone counts 0). */
function sumKiB(pids: readonly number[], file: string, line: RegExp): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(line.exec(fs.readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return total;
}

/** Proportional set size in KiB: shared pages counted once across the tree, which is fair to forking servers. */
export function pssKiB(pids: readonly number[]): number {
  return sumKiB(pids, 'smaps_rollup', /^Pss:\s+(\d+) kB/m);
}

/** Resident set size in KiB, summed over the processes (0 for one that is gone). */
export function rssKiB(pids: readonly number[]): number {
  return sumKiB(pids, 'status', /^VmRSS:\s+(\d+) kB/m);
}
