// End-to-end test of the container harness itself: commands, isolation between containers,
// error codes, and that no container survives shutdown(), a hung poweroff, or a killed owner.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnTs, readLines } from '@libs/testing';
import { SystemdContainer, unitFile } from '.';

const BOOT_TIMEOUT_MS = 5 * 60_000;

// A zombie counts as gone: it runs nothing and waits only for its parent (or init) to reap it.
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitGone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('SystemdContainer', () => {
  const containers: SystemdContainer[] = [];
  let owner: ChildProcess | undefined;
  const boot = async (options: Parameters<typeof SystemdContainer.boot>[0] = {}): Promise<SystemdContainer> => {
    const container = await SystemdContainer.boot(options);
    containers.push(container);
    return container;
  };

  afterAll(async () => {
    await Promise.all(containers.map((c) => c.shutdown()));
    if (owner && owner.exitCode === null && owner.signalCode === null) {
      owner.kill('SIGKILL');
      await new Promise((r) => owner?.once('exit', r));
    }
    SystemdContainer.reapOrphans();
  });

  it('runs commands inside with stdin, exit codes and a network namespace of its own', async () => {
    const container = await boot();
    expect(await container.exec(['sh', '-c', 'cat; echo err >&2; exit 3'], { input: 'piped' })).toEqual({ code: 3, stdout: 'piped', stderr: 'err\n' });
    expect(await container.exec(['cat', '/proc/1/comm'])).toMatchObject({ code: 0, stdout: 'systemd\n' });
    const links = await container.run(['ip', '-o', 'link', 'show']);
    expect(links.trim().split('\n').map((line) => line.split(':')[1]?.trim())).toEqual(['lo']);
    await expect(container.run(['false'])).rejects.toMatchObject({ code: 'E2E_ERR_COMMAND_FAILED' });
    await expect(container.waitForState('nothing-here.service', 'active', 300)).rejects.toMatchObject({ code: 'E2E_ERR_WAIT_TIMEOUT' });
  }, BOOT_TIMEOUT_MS);

  it('keeps containers booted from the same cached root apart', async () => {
    const [a, b] = await Promise.all([boot(), boot()]);
    await a.installUnit('only-in-a.service', unitFile({ Service: { Type: 'oneshot', ExecStart: '/bin/true' } }));
    expect(await a.property('only-in-a.service', 'LoadState')).toBe('loaded');
    expect(await b.property('only-in-a.service', 'LoadState')).toBe('not-found');
    expect(a.sharedDir).not.toBe(b.sharedDir);
  }, BOOT_TIMEOUT_MS);

  it('leaves nothing running after shutdown, and refuses commands afterwards', async () => {
    const container = await boot();
    await container.shutdown();
    expect(alive(container.pid1)).toBe(false);
    expect(alive(container.nspawnPid)).toBe(false);
    await expect(container.exec(['true'])).rejects.toMatchObject({ code: 'E2E_ERR_CONTAINER_GONE' });
    await expect(container.shutdown()).resolves.toBeUndefined();
  }, BOOT_TIMEOUT_MS);

  it('kills a container whose poweroff does not complete', async () => {
    const container = await boot({ poweroffTimeoutMs: 1_000 });
    await container.run(['systemctl', 'mask', 'poweroff.target']);
    await container.shutdown();
    expect(alive(container.pid1)).toBe(false);
    expect(alive(container.nspawnPid)).toBe(false);
  }, BOOT_TIMEOUT_MS);

  it('reaps the container of a test process that was SIGKILLed', async () => {
    const child = spawnTs(path.join(__dirname, 'fixtures', 'boot-and-hang.ts'));
    owner = child;
    const line = await readLines(child.stdout).next((l) => l.startsWith('{'), BOOT_TIMEOUT_MS);
    const orphan = JSON.parse(line) as { pid1: number; nspawn: number };
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(orphan.pid1)).toBe(true);
    await boot();
    expect(await waitGone(orphan.pid1)).toBe(true);
    expect(await waitGone(orphan.nspawn)).toBe(true);
  }, BOOT_TIMEOUT_MS);
});
