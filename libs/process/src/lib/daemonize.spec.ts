// daemonize() in a process that only claims to be the background one: a marker without an open
// start-up pipe is refused instead of chdir-ing and waiting to report to nobody.
import { ProcessError } from './errors';
import { daemonize, isDaemonChild } from './daemonize';

const MARKER = 'DAEMONIZE_SPEC_PIPE_FD';

afterEach(() => {
  delete process.env[MARKER];
});

it.each(['abc', '1', '1000000'])('refuses marker value %s that is not an open pipe after stdio', async (value) => {
  process.env[MARKER] = value;
  const cwd = process.cwd();
  expect(isDaemonChild(MARKER)).toBe(true);
  const outcome = await daemonize({ marker: MARKER }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(ProcessError);
  expect((outcome as ProcessError).code).toBe('PROCESS_ERR_DAEMON_PIPE');
  expect(process.cwd()).toBe(cwd);
});

it('isDaemonChild is false without the marker', () => {
  expect(isDaemonChild(MARKER)).toBe(false);
});
