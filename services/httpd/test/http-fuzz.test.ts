// Property tests of the request parser (fast-check): any split of the input decides the same,
// and arbitrary bytes only ever produce catalogued HttpErrors, never a thrown exception.
import fc from 'fast-check';
import { HttpError } from '../src/http/errors';
import { ParseStatus, RequestParser } from '../src/http/request-parser';
import { loadCorpus, runParser } from './http-support';

const corpus = loadCorpus();

/** Cuts `raw` at the given (sorted, de-duplicated) offsets. */
function split(raw: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (raw.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(raw.subarray(prev, p));
    prev = p;
  }
  out.push(raw.subarray(prev));
  return out;
}

describe('request parser properties', () => {
  it('decides the same for every way of splitting a corpus request into chunks', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.array(fc.nat(), { maxLength: 12 }), (entry, cuts) => {
        expect(runParser(split(entry.raw, cuts))).toEqual(runParser([entry.raw]));
      }),
      { numRuns: 400 },
    );
  });

  it('splitting a request at every single boundary decides the same', () => {
    const entry = corpus.find((c) => c.file.includes('valid-chunked-ext-trailer'));
    expect(entry).toBeDefined();
    const raw = (entry as { raw: Buffer }).raw;
    const whole = runParser([raw]);
    expect(whole.messages).toBe(1);
    for (let i = 0; i <= raw.length; i++) expect(runParser([raw.subarray(0, i), raw.subarray(i)])).toEqual(whole);
  });

  const headerish = fc.constantFrom(
    'GET / HTTP/1.1\r\n', 'POST /x HTTP/1.1\r\n', 'Host: a\r\n', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n',
    '\r\n', '3\r\nabc\r\n', '0\r\n\r\n', ' ', ':', '\n', '\r', '\x00', 'Expect: 100-continue\r\n', 'Connection: close\r\n',
  );

  it('never throws on random or request-like bytes; errors are catalogued HttpErrors', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.array(headerish, { maxLength: 30 }).map((parts) => Buffer.from(parts.join(''), 'latin1')),
    );
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 6 }), (raw, cuts) => {
        const parser = new RequestParser({ maxRequestHeaderSize: 256, maxRequestSize: 64 });
        for (const slice of split(raw, cuts)) {
          for (let s = parser.execute(slice); s !== ParseStatus.NeedMore; s = parser.execute()) {
            if (s === ParseStatus.Error) {
              expect(parser.error).toBeInstanceOf(HttpError);
              expect(parser.error?.code).toMatch(/^HTTPD_ERR_/);
              expect([400, 411, 413, 417, 431, 501, 505]).toContain(parser.error?.status);
              expect(parser.execute(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(ParseStatus.Error);
              return;
            }
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});
