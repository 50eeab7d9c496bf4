// The syslog target in a real process: datagrams carry that process's pid, an unreachable socket
// means one warning and the lines on stderr (glibc's LOG_CONS), and a closed log lets it exit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { DatagramReceiver, spawnTs } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'syslog-logger.ts');

let dir: string;
let child: ChildProcess | undefined;
let receiver: DatagramReceiver | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-syslog-'));
});
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  receiver?.close();
  receiver = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(socketPath: string): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  const proc = spawnTs(fixture, [socketPath]);
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => proc.once('close', (c) => resolve(c)));
  return { code, stdout, stderr, pid: proc.pid ?? -1 };
}

describe('syslog error log in a process', () => {
  it("sends its lines with the process's own pid, nothing on stderr, and exits once the log is closed", async () => {
    const socketPath = path.join(dir, 'log');
    receiver = await DatagramReceiver.bind(socketPath);
    const result = await run(socketPath);
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: `target=${JSON.stringify({ syslog: { ident: 'fixture', facility: 'local0', path: socketPath } })}\n` });
    // local0 is 16: 128 + LOG_NOTICE 5, 128 + LOG_WARNING 4.
    expect(await receiver.waitForCount(2)).toEqual([
      expect.stringMatching(new RegExp(`^<133>[A-Z][a-z]{2} [ 123]\\d \\d\\d:\\d\\d:\\d\\d fixture\\[${result.pid}\\]: \\[NOTICE\\] first$`)),
      expect.stringMatching(new RegExp(`^<132>.* fixture\\[${result.pid}\\]: \\[WARNING\\] second$`)),
    ]);
  });

  it('writes one warning naming the socket, then its lines, to stderr when there is no syslog socket', async () => {
    const missing = path.join(dir, 'no-such-log');
    const result = await run(missing);
    expect(result).toMatchObject({ code: 0, stdout: 'target="stderr"\n' });
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^\\[[^\\]]+\\] WARNING: syslog socket '${missing}' is unavailable \\(ENOENT\\); logging to stderr$`)),
      expect.stringMatching(/^\[[^\]]+\] NOTICE: first$/),
      expect.stringMatching(/^\[[^\]]+\] WARNING: second$/),
      '',
    ]);
  });
});
