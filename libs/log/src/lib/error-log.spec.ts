// Tests of the error log against real files: levels, setLevel, upstream formats, reopen, errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createErrorLog } from './error-log';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'error-log-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const read = (f: string) => fs.readFileSync(f, 'utf8');

describe('createErrorLog', () => {
  it('writes php-fpm style lines at or above the level, each written at once', async () => {
    const file = path.join(dir, 'fpm.log');
    const log = createErrorLog({ target: { file }, style: 'fpm', level: 'notice' });
    log.debug('hidden');
    log.info('hidden too');
    log.notice('fpm is running, pid 123');
    log.warn('careful');
    log.error('broken %s kept verbatim');
    expect(read(file).split('\n')).toEqual([
      expect.stringMatching(/^\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\] NOTICE: fpm is running, pid 123$/),
      expect.stringMatching(/\] WARNING: careful$/),
      expect.stringMatching(/\] ERROR: broken %s kept verbatim$/),
      '',
    ]);
    await log.close();
  });

  it('writes lighttpd style lines with an optional source', async () => {
    const file = path.join(dir, 'lighttpd.log');
    const log = createErrorLog({ target: { file }, style: 'lighttpd', level: 'info' });
    log.info('server started', 'server.c.1234');
    log.error('no source');
    expect(read(file).split('\n')).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: \(server\.c\.1234\) server started$/),
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: no source$/),
      '',
    ]);
    await log.close();
  });

  it('changes level at run time', async () => {
    const file = path.join(dir, 'level.log');
    const log = createErrorLog({ target: { file }, style: 'fpm', level: 'warn' });
    log.notice('before');
    expect(log.isLevelEnabled('notice')).toBe(false);
    log.setLevel('debug');
    expect(log.level).toBe('debug');
    log.debug('after');
    expect(read(file)).not.toContain('before');
    // php-fpm prints microseconds at log_level debug.
    expect(read(file)).toMatch(/^\[[^\]]+:\d\d\.\d{6}\] DEBUG: after\n$/);
    await log.close();
  });

  it('reopens the path after a rename: old lines stay in the renamed file, new ones go to the new file', async () => {
    const file = path.join(dir, 'rot.log');
    const log = createErrorLog({ target: { file }, style: 'fpm' });
    log.notice('one');
    fs.renameSync(file, `${file}.1`);
    log.notice('two');
    log.reopen();
    log.notice('three');
    expect(read(`${file}.1`)).toMatch(/one\n.*two\n$/);
    expect(read(file)).toMatch(/^[^\n]*three\n$/);
    await log.close();
  });

  it('fails with LOG_ERR_OPEN naming the path, at creation and at reopen', async () => {
    const missing = path.join(dir, 'no', 'such', 'dir', 'x.log');
    expect(() => createErrorLog({ target: { file: missing }, style: 'fpm' })).toThrow(
      expect.objectContaining({ code: 'LOG_ERR_OPEN', message: expect.stringContaining(missing) }),
    );
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const file = path.join(sub, 'x.log');
    const log = createErrorLog({ target: { file }, style: 'fpm' });
    fs.rmSync(sub, { recursive: true });
    expect(() => log.reopen()).toThrow(expect.objectContaining({ code: 'LOG_ERR_OPEN' }));
    await log.close();
  });

  it('drops lines logged after close instead of throwing', async () => {
    const file = path.join(dir, 'closed.log');
    const log = createErrorLog({ target: { file }, style: 'fpm' });
    await log.close();
    log.error('late');
    expect(read(file)).toBe('');
    expect(() => log.reopen()).toThrow(expect.objectContaining({ code: 'LOG_ERR_CLOSED' }));
  });
});
