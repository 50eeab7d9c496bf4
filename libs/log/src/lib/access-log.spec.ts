// Tests of access-log streams on real files and a real piped logger process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAccessLog, type AccessLog } from './access-log';
import type { LogError } from './errors';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'access-log-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const read = (f: string) => fs.readFileSync(f, 'utf8');

describe('createAccessLog (file)', () => {
  it('coalesces small writes until flush()', async () => {
    const file = path.join(dir, 'access.log');
    const log = createAccessLog(file, { minLength: 1024, flushIntervalMs: 0 });
    log.write('a');
    log.write('b');
    expect(read(file)).toBe('');
    log.flush();
    expect(read(file)).toBe('a\nb\n');
    await log.close();
  });

  it('writes once the buffer passes minLength', async () => {
    const file = path.join(dir, 'big.log');
    const log = createAccessLog(file, { minLength: 100, flushIntervalMs: 0 });
    const line = 'x'.repeat(60);
    log.write(line);
    expect(read(file)).toBe('');
    log.write(line);
    expect(read(file)).toBe(`${line}\n${line}\n`);
    await log.close();
  });

  it('flushes on close and rejects writes afterwards', async () => {
    const file = path.join(dir, 'close.log');
    const log = createAccessLog(file, { flushIntervalMs: 0 });
    log.write('last');
    await log.close();
    expect(read(file)).toBe('last\n');
    expect(() => log.write('late')).toThrow(expect.objectContaining({ code: 'LOG_ERR_CLOSED' }));
  });

  it('sends lines written after reopen() to the new file', async () => {
    const file = path.join(dir, 'rot.log');
    const log = createAccessLog(file, { flushIntervalMs: 0 });
    log.write('old');
    log.flush();
    fs.renameSync(file, `${file}.1`);
    log.reopen();
    log.write('new');
    await log.close();
    expect(read(`${file}.1`)).toBe('old\n');
    expect(read(file)).toBe('new\n');
  });

  it('fails with LOG_ERR_OPEN naming the path', () => {
    const missing = path.join(dir, 'missing', 'access.log');
    expect(() => createAccessLog(missing)).toThrow(
      expect.objectContaining({ code: 'LOG_ERR_OPEN', message: expect.stringContaining(missing) }),
    );
  });
});

describe('createAccessLog ("|command")', () => {
  it('pipes entries to the logger process and waits for it on close', async () => {
    const out = path.join(dir, 'piped.log');
    const log = createAccessLog(`|cat > '${out}'`, { flushIntervalMs: 0 });
    log.write('GET / 200');
    log.write('GET /x 404');
    await log.close();
    expect(read(out)).toBe('GET / 200\nGET /x 404\n');
  });

  it('reports a logger that exits with LOG_ERR_PIPE', async () => {
    let log: AccessLog | undefined;
    const err = await new Promise<LogError>((resolve) => {
      log = createAccessLog('|exit 3', { onError: resolve });
    });
    expect(err.code).toBe('LOG_ERR_PIPE');
    expect(err.message).toContain('code 3');
    await log?.close();
  });
});
