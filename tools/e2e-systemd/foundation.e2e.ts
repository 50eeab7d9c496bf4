// End-to-end test of the foundation under a real systemd (PID 1 of a systemd-nspawn container):
// socket activation, Type=notify readiness, PIDFile=, the watchdog and Restart=, STOPPING=1.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tsNodeArgs, workspaceRoot } from '@libs/testing';
import { SystemdContainer, execLine, unitFile } from '../systemd-container';

const BOOT_TIMEOUT_MS = 5 * 60_000;
const FIXTURE = path.join(__dirname, 'fixtures', 'tiny-service.ts');
const PID_FILE = '/run/tiny/tiny.pid';

describe('foundation under a real systemd', () => {
  let container: SystemdContainer;
  let socketPath: string;

  beforeAll(async () => {
    container = await SystemdContainer.boot({ log: (line) => process.stderr.write(`[systemd-container] ${line}\n`) });
    socketPath = path.join(container.sharedDir, 'tiny.sock');
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await container?.shutdown();
  });

  const mainPid = async (): Promise<number> => Number(await container.property('tiny.service', 'MainPID'));
  const pidFromFile = async (): Promise<number> => Number(await container.readFile(PID_FILE));

  it('runs a Type=oneshot unit with the bound node binary and writes into the shared directory', async () => {
    const out = path.join(container.sharedDir, 'oneshot.out');
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, String(process.pid)); console.log('hello from node')`;
    await container.installUnit(
      'hello.service',
      unitFile({
        Unit: { Description: 'oneshot smoke test' },
        Service: { Type: 'oneshot', ExecStart: execLine(['/usr/bin/node', '-e', script]) },
      }),
    );
    expect(await container.property('hello.service', 'ActiveState')).toBe('inactive');
    expect(await container.systemctl('start', 'hello.service')).toMatchObject({ code: 0, stderr: '' });
    expect(await container.property('hello.service', 'Result')).toBe('success');
    expect(Number(await fs.readFile(out, 'utf8'))).toBeGreaterThan(1);
    await container.waitForJournal('hello.service', /hello from node/);
  });

  it('activates the tiny service on first connect and keeps it "activating" until READY=1', async () => {
    await container.installUnit(
      'tiny.socket',
      unitFile({
        Unit: { Description: 'tiny e2e service socket' },
        Socket: { ListenStream: socketPath, SocketMode: '0666' },
      }),
    );
    await container.installUnit(
      'tiny.service',
      unitFile({
        Unit: { Description: 'tiny e2e service', Requires: 'tiny.socket', After: 'tiny.socket' },
        Service: {
          Type: 'notify',
          NotifyAccess: 'main',
          ExecStart: execLine(['/usr/bin/node', ...tsNodeArgs(FIXTURE, [PID_FILE])]),
          Environment: [`TSX_TSCONFIG_PATH=${path.join(workspaceRoot, 'tsconfig.json')}`],
          RuntimeDirectory: 'tiny',
          // Keep the pid file of a killed instance, so its successor has to replace a stale one.
          RuntimeDirectoryPreserve: 'yes',
          PIDFile: PID_FILE,
          WatchdogSec: 2,
          Restart: 'on-failure',
          // SIGABRT from the watchdog would dump core through the host's core_pattern.
          LimitCORE: 0,
        },
      }),
    );
    expect(await container.systemctl('start', 'tiny.socket')).toMatchObject({ code: 0 });
    expect(await container.property('tiny.socket', 'ActiveState')).toBe('active');
    expect(await container.property('tiny.service', 'ActiveState')).toBe('inactive');

    const first = container.httpGet(socketPath, '/', 30_000);
    // Listening and pid file written, yet not active: systemd waits for READY=1, not for the socket.
    await container.waitFor('tiny.service to have written its pid file while still activating', 30_000, async () => {
      const state = await container.property('tiny.service', 'ActiveState');
      const pid = await pidFromFile().catch(() => 0);
      return { done: state === 'activating' && pid > 0, last: `${state}, pid file ${pid}` };
    });
    await container.waitForState('tiny.service', 'active', 10_000);

    const response = await first;
    expect(response.status).toBe(200);
    const pid = Number(response.body);
    expect(await mainPid()).toBe(pid);
    expect(await pidFromFile()).toBe(pid);
    expect(await container.property('tiny.service', 'StatusText')).toBe('serving on fd 3');
  });

  it('is killed with SIGABRT when a wedged event loop misses the watchdog, and Restart= brings it back', async () => {
    const before = await mainPid();
    await expect(container.httpGet(socketPath, '/block', 20_000)).rejects.toThrow();
    const journal = await container.waitForJournal('tiny.service', /Watchdog timeout/, 10_000);
    expect(journal).toMatch(new RegExp(`Killing process ${before} \\(node\\) with signal SIGABRT`));

    await container.waitFor('a new tiny.service main process to be active', 30_000, async () => {
      const [state, pid] = [await container.property('tiny.service', 'ActiveState'), await mainPid()];
      return { done: state === 'active' && pid !== before && pid !== 0, last: `${state}, MainPID ${pid}` };
    });
    expect(await container.property('tiny.service', 'NRestarts')).toBe('1');
    const after = await mainPid();
    expect(Number((await container.httpGet(socketPath, '/')).body)).toBe(after);
    expect(await pidFromFile()).toBe(after);
  });

  it('sends STOPPING=1 on systemctl stop and exits cleanly', async () => {
    const pid = await mainPid();
    // The manager logs each notification it receives at debug level; that is our witness.
    await container.run(['systemd-analyze', 'log-level', 'debug']);
    expect(await container.systemctl('stop', 'tiny.service')).toMatchObject({ code: 0 });
    await container.run(['systemd-analyze', 'log-level', 'info']);

    expect(await container.property('tiny.service', 'ActiveState')).toBe('inactive');
    expect(await container.property('tiny.service', 'Result')).toBe('success');
    expect(await container.property('tiny.service', 'ExecMainStatus')).toBe('0');
    await container.waitForJournal('tiny.service', new RegExp(`Got notification message from PID ${pid} \\(STOPPING=1`));
    await expect(container.readFile(PID_FILE)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await container.systemctl('stop', 'tiny.socket')).toMatchObject({ code: 0 });
  });
});
