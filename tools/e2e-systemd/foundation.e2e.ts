// End-to-end test of the foundation under a real systemd (PID 1 of a systemd-nspawn container):
// the harness boots, runs units, and the bound node binary and workspace work inside.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SystemdContainer } from '../systemd-container';

const BOOT_TIMEOUT_MS = 5 * 60_000;

describe('foundation under a real systemd', () => {
  let container: SystemdContainer;

  beforeAll(async () => {
    container = await SystemdContainer.boot({ log: (line) => process.stderr.write(`[systemd-container] ${line}\n`) });
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await container?.shutdown();
  });

  it('runs a Type=oneshot unit with the bound node binary and writes into the shared directory', async () => {
    const out = path.join(container.sharedDir, 'oneshot.out');
    await container.installUnit(
      'hello.service',
      [
        '[Unit]',
        'Description=oneshot smoke test',
        '[Service]',
        'Type=oneshot',
        `ExecStart=/usr/bin/node -e "require('fs').writeFileSync('${out}', String(process.pid)); console.log('hello from node')"`,
        '',
      ].join('\n'),
    );
    expect(await container.property('hello.service', 'ActiveState')).toBe('inactive');
    const start = await container.systemctl('start', 'hello.service');
    expect(start).toMatchObject({ code: 0, stderr: '' });
    expect(await container.property('hello.service', 'Result')).toBe('success');
    expect(Number(await fs.readFile(out, 'utf8'))).toBeGreaterThan(1);
    await container.waitForJournal('hello.service', /hello from node/);
  });
});
