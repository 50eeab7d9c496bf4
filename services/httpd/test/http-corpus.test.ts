// Replays every request in test/corpus/http through the parser and checks the status it decides
// (expectations.json beside the files; divergences from lighttpd 1.4.69 are recorded there).
import { CORPUS_DIR, loadCorpus, runParser } from './http-support';
import * as fs from 'node:fs';

const corpus = loadCorpus();

describe('HTTP request corpus', () => {
  it('has an expectation for every file and a file for every expectation', () => {
    const listed = Object.keys(JSON.parse(fs.readFileSync(`${CORPUS_DIR}/expectations.json`, 'utf8')) as object);
    expect(listed.sort()).toEqual(corpus.map((c) => c.file));
    expect(corpus.length).toBeGreaterThan(50);
  });

  it.each(corpus.map((c) => [c.file, c] as const))('%s', (_file, { raw, expect: want }) => {
    const whole = runParser([raw]);
    expect(whole.status).toBe(want.status);
    if (want.messages !== undefined) expect(whole.messages).toBe(want.messages);
    // Byte-at-a-time delivery must decide the same.
    const bytes = runParser(Array.from(raw, (b) => Buffer.from([b])));
    expect(bytes).toEqual(whole);
  });
});
