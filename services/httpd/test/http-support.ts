// Test support for the HTTP codec: drive a RequestParser over given input slices and summarise
// what it decided (status, completed messages, decoded bodies), for corpus, fuzz and diff tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParseStatus, RequestParser, type RequestParserOptions } from '../src/http/request-parser';

/** The limits of the lighttpd instance the corpus expectations were checked against. */
export const CORPUS_LIMITS: RequestParserOptions = { maxRequestHeaderSize: 8192, maxRequestSize: 4096 };

export interface ParseOutcome {
  /** 200 when at least one message completed without error, the error status on error, 0 when input ran out first. */
  status: number;
  code: string | undefined;
  messages: number;
  /** per completed message: method, uri, host, body (latin1), trailers. */
  summary: string[];
}

export function runParser(slices: Buffer[], options: RequestParserOptions = CORPUS_LIMITS): ParseOutcome {
  const parser = new RequestParser(options);
  let messages = 0;
  const summary: string[] = [];
  let body = '';
  let head = '';
  const drain = (first: ParseStatus): ParseOutcome | undefined => {
    for (let s = first; ; s = parser.execute()) {
      switch (s) {
        case ParseStatus.NeedMore:
          return undefined;
        case ParseStatus.HeadComplete: {
          const r = parser.request;
          head = r === undefined ? '' : `${r.method} ${r.uri} ${r.host} ${r.httpVersion} ka=${r.keepAlive} [${r.headers.join('|')}]`;
          body = '';
          break;
        }
        case ParseStatus.BodyChunk:
          body += parser.bodyChunk.toString('latin1');
          break;
        case ParseStatus.MessageComplete:
          messages++;
          summary.push(`${head} body=${JSON.stringify(body)} trailers=[${parser.trailers.join('|')}]`);
          break;
        default:
          return { status: parser.error?.status ?? -1, code: parser.error?.code, messages, summary };
      }
    }
  };
  for (const slice of slices) {
    const done = drain(parser.execute(slice));
    if (done !== undefined) return done;
  }
  return { status: messages > 0 ? 200 : 0, code: undefined, messages, summary };
}

export interface CorpusExpectation {
  status: number;
  messages?: number;
  /** lighttpd 1.4.69's answer where it differs on purpose (null: it does not answer). */
  lighttpd?: number | null;
  divergence?: string;
}

export const CORPUS_DIR = path.join(__dirname, 'corpus', 'http');

export function loadCorpus(): Array<{ file: string; raw: Buffer; expect: CorpusExpectation }> {
  const expectations = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, 'expectations.json'), 'utf8')) as Record<
    string,
    CorpusExpectation
  >;
  const files = fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.http')).sort();
  return files.map((file) => {
    const expect = expectations[file];
    if (expect === undefined) throw new Error(`corpus file ${file} has no entry in expectations.json`);
    return { file, raw: fs.readFileSync(path.join(CORPUS_DIR, file)), expect };
  });
}
