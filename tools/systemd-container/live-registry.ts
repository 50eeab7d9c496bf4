// Bookkeeping that guarantees no container outlives its test run: every booted container is
// recorded on disk and in memory, killed on process exit, and reaped by the next boot if its owner died.
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface LiveRecord {
  owner: number;
  nspawn: number;
  pid1: number;
  machine: string;
  /** Host temp directory of the container (console log, shared directory). */
  workDir: string;
}

// nspawn leaves its per-machine mount propagation directory behind when /run is not a tmpfs.
const PROPAGATE_DIR = '/run/systemd/nspawn/propagate';

/** Removes what a container left on the host once it is dead: its temp directory and nspawn's propagate directory. */
export function removeLeftovers(record: LiveRecord): void {
  rmSync(record.workDir, { recursive: true, force: true });
  rmSync(path.join(PROPAGATE_DIR, record.machine), { recursive: true, force: true });
}

const inMemory = new Map<string, { record: LiveRecord; file: string }>();
let exitHookInstalled = false;

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killIf(pid: number, comm: string, target: number): void {
  if (commOf(pid) !== comm) return;
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // It exited between the check and the kill: nothing left to do.
  }
}

/**
 * SIGKILL of the container's PID 1 ends every process of its pid namespace, which killing nspawn
 * alone does not do (the container keeps running without it). nspawn then reaps it and exits.
 * Pids are checked against their command name, so a recycled pid of some other program is left alone.
 */
export function killPid1(record: LiveRecord): void {
  killIf(record.pid1, 'systemd', record.pid1);
}

/** SIGKILL of nspawn's whole process group (it was started in a session of its own). */
export function killNspawn(record: LiveRecord): void {
  killIf(record.nspawn, 'systemd-nspawn', -record.nspawn);
}

export function killContainer(record: LiveRecord): void {
  killPid1(record);
  killNspawn(record);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { record, file } of inMemory.values()) {
      killContainer(record);
      removeLeftovers(record);
      rmSync(file, { force: true });
    }
  });
}

export function registerLive(dir: string, record: LiveRecord): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.machine}.json`);
  writeFileSync(file, JSON.stringify(record));
  inMemory.set(record.machine, { record, file });
  installExitHook();
}

export function unregisterLive(machine: string): void {
  const entry = inMemory.get(machine);
  if (!entry) return;
  rmSync(entry.file, { force: true });
  inMemory.delete(machine);
}

/** Kills containers left by test processes that died without running their cleanup (SIGKILL, OOM). */
export function reapOrphans(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const reaped: string[] = [];
  for (const entry of entries) {
    const file = path.join(dir, entry);
    let record: LiveRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as LiveRecord;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (alive(record.owner)) continue;
    killContainer(record);
    removeLeftovers(record);
    rmSync(file, { force: true });
    reaped.push(record.machine);
  }
  return reaped;
}
