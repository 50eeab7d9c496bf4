// White-box tests of exit classification and php-fpm's wording.
import { describeExit, exitSeverity, formatLifetime, isAbnormalExit, type WorkerExit } from './worker-exit';

const exit = (e: Partial<WorkerExit>): WorkerExit => ({
  pid: 123,
  code: 0,
  signal: null,
  lifetimeMs: 12_345.678,
  expected: false,
  line: '',
  ...e,
});

test('lines read as php-fpm writes them', () => {
  expect(describeExit(exit({}))).toBe('child 123 exited with code 0 after 12.345678 seconds from start');
  expect(describeExit(exit({ code: null, signal: 'SIGKILL', lifetimeMs: 0.5 }))).toBe(
    'child 123 exited on signal 9 (SIGKILL) after 0.000500 seconds from start',
  );
  expect(formatLifetime(1999.9999)).toBe('2.000000');
});

test('abnormal means unexpected and not a clean exit(0)', () => {
  expect(isAbnormalExit(exit({}))).toBe(false);
  expect(isAbnormalExit(exit({ code: 1 }))).toBe(true);
  expect(isAbnormalExit(exit({ code: null, signal: 'SIGSEGV' }))).toBe(true);
  expect(isAbnormalExit(exit({ code: null, signal: 'SIGTERM', expected: true }))).toBe(false);
});

test("severity follows php-fpm: SIGQUIT and code 0 are notices, other failures warnings", () => {
  expect(exitSeverity(exit({}))).toBe('notice');
  expect(exitSeverity(exit({ code: null, signal: 'SIGQUIT' }))).toBe('notice');
  expect(exitSeverity(exit({ code: 255 }))).toBe('warn');
  expect(exitSeverity(exit({ code: null, signal: 'SIGKILL' }))).toBe('warn');
  expect(exitSeverity(exit({ code: null, signal: 'SIGKILL', expected: true }))).toBe('debug');
});
