// The container's root file system: a debootstrap'ed Debian (minbase + systemd) built once into a
// cache directory, atomically (build under a temporary name, then rename) and under a lock.
import { createHash } from 'node:crypto';
import { closeSync, openSync, promises as fs, writeSync } from 'node:fs';
import path from 'node:path';
import { errNoMirror, errRootfsBuild, errRootfsLockTimeout } from './errors';
import { runCommand } from './host-command';

const SUITE = 'bookworm';
const PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'curl', 'iproute2', 'procps'];
// Units that only slow the boot or print a login prompt on the console we log to.
const MASKED_UNITS = ['console-getty.service', 'systemd-logind.service'];
// Changing the recipe changes the key, so an old cached tree is never reused for a new recipe.
const RECIPE = { SUITE, PACKAGES, MASKED_UNITS, defaultTarget: 'multi-user.target', version: 1 };

const SOURCES_DEB822 = '/etc/apt/sources.list.d/debian.sources';
const SOURCES_LIST = '/etc/apt/sources.list';
const BUILD_TIMEOUT_MS = 15 * 60_000;
const LOCK_POLL_MS = 500;
const LOCK_TIMEOUT_MS = 20 * 60_000;
const COMPLETE_MARKER = '.e2e-rootfs-complete';

export type ProgressLog = (line: string) => void;

export function rootfsKey(): string {
  const hash = createHash('sha256').update(JSON.stringify(RECIPE)).digest('hex').slice(0, 12);
  return `${SUITE}-${hash}`;
}

/** The host's own Debian mirror, read from its apt sources each run (the deb822 file first). */
export async function debianMirror(): Promise<string> {
  const fromEnv = process.env['E2E_DEBIAN_MIRROR'];
  if (fromEnv) return fromEnv;
  const deb822 = await fs.readFile(SOURCES_DEB822, 'utf8').catch(() => '');
  for (const stanza of deb822.split(/\n\s*\n/)) {
    const field = (name: string): string[] => {
      const match = new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza);
      return match?.[1]?.trim().split(/\s+/) ?? [];
    };
    const uri = field('URIs')[0];
    if (uri && field('Types').includes('deb') && field('Suites').includes(SUITE)) return uri;
  }
  const list = await fs.readFile(SOURCES_LIST, 'utf8').catch(() => '');
  for (const line of list.split('\n')) {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (match?.[1] && match[2] === SUITE) return match[1];
  }
  throw errNoMirror(deb822 ? SOURCES_DEB822 : SOURCES_LIST);
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** O_EXCL lock file holding the owner's pid; a lock whose owner died is taken over. */
async function acquireLock(lock: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => fs.rm(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = (await fs.readFile(lock, 'utf8').catch(() => '')).trim();
    const ownerPid = Number(owner);
    if (owner !== '' && Number.isInteger(ownerPid) && !pidAlive(ownerPid)) {
      await fs.rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw errRootfsLockTimeout(lock, owner);
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

async function configure(root: string): Promise<void> {
  const etcUnits = path.join(root, 'etc/systemd/system');
  await fs.mkdir(etcUnits, { recursive: true });
  for (const unit of MASKED_UNITS) {
    await fs.rm(path.join(etcUnits, unit), { force: true });
    await fs.symlink('/dev/null', path.join(etcUnits, unit));
  }
  await fs.rm(path.join(etcUnits, 'default.target'), { force: true });
  await fs.symlink(`/lib/systemd/system/${RECIPE.defaultTarget}`, path.join(etcUnits, 'default.target'));
  await fs.writeFile(path.join(root, COMPLETE_MARKER), `${JSON.stringify(RECIPE)}\n`);
}

async function build(cacheDir: string, finalDir: string, log: ProgressLog): Promise<void> {
  const key = path.basename(finalDir);
  // We hold the lock, so every earlier build directory of this key belongs to a dead builder.
  for (const entry of await fs.readdir(cacheDir)) {
    if (entry.startsWith(`${key}.build-`)) await fs.rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
  const work = path.join(cacheDir, `${key}.build-${process.pid}`);
  const mirror = await debianMirror();
  log(`building ${key} with debootstrap from ${mirror} (about a minute, once)`);
  const started = Date.now();
  const result = await runCommand(
    'debootstrap',
    ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, work, mirror],
    { timeoutMs: BUILD_TIMEOUT_MS },
    (ms) => errRootfsBuild(`debootstrap did not finish within ${ms} ms`),
  );
  if (result.code !== 0) {
    const tail = `${result.stdout}${result.stderr}`.split('\n').slice(-30).join('\n');
    await fs.rm(work, { recursive: true, force: true });
    throw errRootfsBuild(`debootstrap exited with ${result.code}\n${tail}`);
  }
  await configure(work);
  await fs.rename(work, finalDir);
  log(`built ${key} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Returns the path of a complete root file system, building it first if no complete one is cached. */
export async function ensureRootfs(cacheDir: string, log: ProgressLog): Promise<string> {
  const finalDir = path.join(cacheDir, rootfsKey());
  if (await exists(path.join(finalDir, COMPLETE_MARKER))) return finalDir;
  await fs.mkdir(cacheDir, { recursive: true });
  const release = await acquireLock(`${finalDir}.lock`);
  try {
    if (!(await exists(path.join(finalDir, COMPLETE_MARKER)))) {
      // A directory without the marker can only come from a rename that was not ours; start over.
      await fs.rm(finalDir, { recursive: true, force: true });
      await build(cacheDir, finalDir, log);
    }
  } finally {
    await release();
  }
  return finalDir;
}
