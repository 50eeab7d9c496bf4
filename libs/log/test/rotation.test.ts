// Log rotation end to end: a real process writes numbered lines without pause while the test
// renames the file and sends SIGUSR1 (reopen) several times; no line may be lost or duplicated.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { readLines, spawnTs } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'numbered-writer.ts');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['error', 'access'] as const)('%s log rotation under a steady stream of writes', (kind) => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-rotate-'));
  });

  afterEach(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every numbered line exactly once, in order, across mv + reopen', async () => {
    const file = path.join(dir, `${kind}.log`);
    child = spawnTs(fixture, [kind, file]);
    const { next } = readLines(child.stdout);
    await next((l) => l === 'ready');

    const rotations = 4;
    for (let i = 1; i <= rotations; i++) {
      await sleep(150);
      fs.renameSync(file, `${file}.${i}`);
      child.kill('SIGUSR1');
      await next((l) => l.startsWith('reopened '));
      expect(fs.existsSync(file)).toBe(true);
    }
    await sleep(150);
    child.kill('SIGTERM');
    const done = await next((l) => l.startsWith('done '));
    const last = Number(done.slice('done '.length));

    const files = [...Array.from({ length: rotations }, (_, i) => `${file}.${i + 1}`), file];
    const numbers: number[] = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      // Each rotated file received lines: the writer never stopped while we rotated.
      expect(text.length).toBeGreaterThan(0);
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const m = /line (\d+)$/.exec(line);
        if (m === null) throw new Error(`unexpected line in ${f}: ${line}`);
        numbers.push(Number(m[1]));
      }
    }
    expect(last).toBeGreaterThan(1000);
    expect(numbers.length).toBe(last + 1);
    const outOfPlace = numbers.findIndex((n, i) => n !== i);
    expect(outOfPlace).toBe(-1);
  });
});
