// White-box tests of the request state machine (lighttpd 1.4.69 connections.c
// connection_state_machine_loop from REQUEST_END on, response.c http_response_write_prepare) with a
// recording ResponseSink and a small RequestEnv; process-level tests run it over real sockets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { HandlerResult, ModuleConfig } from '@libs/plugins';
import type { RequestHead } from '../http/request-parser';
import { FilePart, type Chunk } from './chunk-queue';
import { CORE_REQUEST_DIRECTIVES, coreConfig, type CoreConfig } from './core-config';
import { defaultErrorPage } from './error-page';
import type { HttpPlugin, RequestHooks } from './plugin';
import { HttpRequest, RESPONSE_LOW_WATER, type Request } from './request';
import type { RequestEnv } from './request-env';
import { RequestState, requestStateName } from './request-state';
import { StatCache } from './stat-cache';
import { runStateMachine, WriteResult, type ResponseSink } from './state-machine';
import { TempSpill } from './temp-spill';

const DEFAULTS = coreConfig(ModuleConfig.compile(CORE_REQUEST_DIRECTIVES, { contexts: [] }).defaults);

type Subrequest = (r: Request, call: number) => HandlerResult;

/** Every hook, handler call and sink call, with the request state it happened in. */
class Recorder {
  readonly events: string[] = [];
  readonly errors: string[] = [];
  record(what: string, r: Request): void {
    this.events.push(`${what}@${requestStateName((r as HttpRequest).state)}`);
  }
  count(what: string): number {
    return this.events.filter((e) => e.startsWith(`${what}@`)).length;
  }
}

function makeEnv(rec: Recorder, hooks: Partial<Record<RequestHooks, (r: Request) => HandlerResult>> = {}): RequestEnv {
  const log: ServiceLog = {
    error: (msg) => rec.errors.push(msg),
    warn: () => undefined,
    notice: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  };
  return {
    statCache: new StatCache('disable'),
    log,
    conditionsFor: () => {
      throw new Error('no conditional config in these tests');
    },
    moduleConfig: () => undefined,
    callRequest(hook, r) {
      rec.record(hook, r);
      return hooks[hook]?.(r) ?? HandlerResult.GoOn;
    },
    subrequest(r) {
      const h = r.handler?.handleSubrequest;
      if (h === undefined) throw new Error('no handler');
      return h(r);
    },
    now: 1700000000,
    httpDate: 'Tue, 14 Nov 2023 22:13:20 GMT',
    uploadDirs: [],
    uploadTempFileSize: 1024 * 1024,
  };
}

/** A handler module that takes the request in uri_clean (so no stat is needed) and answers through `fn`. */
function handlerModule(rec: Recorder, fn: Subrequest): { plugin: HttpPlugin; calls: () => number } {
  let calls = 0;
  const plugin: HttpPlugin = {
    name: 'mod_test',
    handleSubrequest(r) {
      rec.record('subrequest', r);
      return fn(r, ++calls);
    },
  };
  return { plugin, calls: () => calls };
}

function readChunk(c: Chunk): Buffer {
  if (!(c instanceof FilePart)) return c;
  const fd = fs.openSync(c.path, 'r');
  try {
    const out = Buffer.alloc(c.length);
    fs.readSync(fd, out, 0, c.length, c.start);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A ResponseSink that writes into memory: "drain" takes the whole queue (Done when finished, else
 * Idle), "blocked" takes nothing (the socket is full).
 */
class RecordingSink implements ResponseSink {
  mode: 'drain' | 'blocked' = 'drain';
  readonly body: Buffer[] = [];
  readonly waits: Promise<unknown>[] = [];
  /** What the queue looked like when the head was started. */
  atStart: { finished: boolean; length: number; memoryBytes: number; fileParts: number } | null = null;
  ended = 0;

  constructor(
    private readonly rec: Recorder,
    private readonly spill: TempSpill | null = null,
  ) {}

  startResponse(r: HttpRequest): void {
    this.rec.record('startResponse', r);
    const q = r.respBody;
    this.atStart = { finished: q.finished, length: q.length, memoryBytes: q.memoryBytes, fileParts: [...q].filter((c) => c instanceof FilePart).length };
  }

  write(r: HttpRequest): WriteResult {
    this.rec.record('write', r);
    if (this.mode === 'blocked') return WriteResult.Blocked;
    for (const c of r.respBody.takeAll()) this.body.push(readChunk(c));
    return r.respBody.finished ? WriteResult.Done : WriteResult.Idle;
  }

  endResponse(r: HttpRequest): void {
    this.rec.record('endResponse', r);
    this.ended++;
  }

  waitFor(r: HttpRequest, io: Promise<unknown>): void {
    this.rec.record('waitFor', r);
    this.waits.push(io);
  }

  spillFor(): TempSpill {
    if (this.spill === null) throw new Error('no spill in this test');
    return this.spill;
  }

  get text(): string {
    return Buffer.concat(this.body).toString('latin1');
  }
}

function head(overrides: Partial<RequestHead> = {}): RequestHead {
  return {
    method: 'GET',
    uri: '/x',
    target: '/x',
    absoluteForm: false,
    scheme: '',
    httpVersion: 11,
    headers: [],
    host: 'localhost',
    contentLength: 0,
    chunked: false,
    keepAlive: true,
    expectContinue: false,
    ...overrides,
  };
}

interface Setup {
  rec: Recorder;
  sink: RecordingSink;
  r: HttpRequest;
  calls: () => number;
}

function setup(fn: Subrequest, options: { conf?: Partial<CoreConfig>; head?: Partial<RequestHead>; hooks?: Partial<Record<RequestHooks, (r: Request) => HandlerResult>>; spill?: TempSpill } = {}): Setup {
  const rec = new Recorder();
  const { plugin, calls } = handlerModule(rec, fn);
  const env = makeEnv(rec, {
    handleUriClean: (r) => {
      r.handler = plugin;
      return HandlerResult.GoOn;
    },
    ...options.hooks,
  });
  const conf: CoreConfig = { ...DEFAULTS, 'server.document-root': '/srv/www', ...options.conf };
  const r = new HttpRequest(env, head(options.head), conf, '127.0.0.1', '0.0.0.0:80', 'http');
  r.url = '/x';
  r.state = RequestState.RequestEnd;
  return { rec, sink: new RecordingSink(rec, options.spill ?? null), r, calls };
}

const answer =
  (body: string, status = 200): Subrequest =>
  (r) => {
    r.status = status;
    r.setHeader('Content-Type', 'text/plain');
    r.appendBody(Buffer.from(body, 'latin1'));
    return HandlerResult.Finished;
  };

describe('runStateMachine', () => {
  it('runs a request answered at once through handlereq, respstart, write and respend', () => {
    const { rec, sink, r } = setup(answer('hello'));
    runStateMachine(r, sink);
    expect(rec.events).toEqual([
      'handleUriClean@handlereq',
      'handleDocroot@handlereq',
      'handlePhysical@handlereq',
      'subrequest@handlereq',
      'handleResponseStart@respstart',
      'startResponse@respstart',
      'write@write',
      'handleRequestDone@respend',
      'endResponse@respend',
    ]);
    expect(r.state).toBe(RequestState.ResponseEnd);
    expect(r.status).toBe(200);
    expect(sink.atStart).toMatchObject({ finished: true, length: 5 });
    expect(sink.text).toBe('hello');
    expect(r.responseHeader('Content-Type')).toBe('text/plain');
    expect(sink.ended).toBe(1);
    expect(rec.errors).toEqual([]);
  });

  it('goes through readpost when the request has a body', () => {
    const { rec, sink, r } = setup(answer('ok'), { head: { method: 'POST', contentLength: 3 } });
    runStateMachine(r, sink);
    expect(rec.events).toContain('subrequest@readpost');
    expect(sink.text).toBe('ok');
    expect(sink.ended).toBe(1);
  });

  it('lets filter modules change the headers in handleResponseStart, before the head is started', () => {
    const { rec, sink, r } = setup(answer('x'), {
      hooks: {
        handleResponseStart: (req) => {
          req.setHeader('X-Filter', 'yes');
          return HandlerResult.GoOn;
        },
      },
    });
    let seen: string | undefined;
    sink.startResponse = (req): void => {
      seen = req.responseHeader('X-Filter');
    };
    runStateMachine(r, sink);
    expect(seen).toBe('yes');
    expect(rec.count('handleResponseStart')).toBe(1);
  });

  it('answers the built-in error page when the handler finishes with an error status and no body', () => {
    const { sink, r } = setup((req) => {
      req.status = 404;
      return HandlerResult.Finished;
    });
    runStateMachine(r, sink);
    expect(r.status).toBe(404);
    expect(sink.text).toBe(defaultErrorPage(404).toString('latin1'));
    expect(r.responseHeader('Content-Type')).toBe('text/html');
  });

  it('returns while a handler waits on a promise, hands the promise to the sink, and resumes the handler once it settled', async () => {
    let release: () => void = () => undefined;
    const io = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { rec, sink, r, calls } = setup((req, call) => {
      if (call === 1) {
        req.wait(io);
        return HandlerResult.WaitForEvent;
      }
      return answer('late')(req, call);
    });
    runStateMachine(r, sink);
    expect(r.state).toBe(RequestState.HandleRequest);
    expect(sink.waits).toHaveLength(1);
    expect(sink.waits[0]).toBe(io);
    expect(rec.count('startResponse')).toBe(0);
    expect(sink.ended).toBe(0);

    release();
    await io;
    r.pending = null;
    runStateMachine(r, sink);
    expect(calls()).toBe(2);
    expect(sink.text).toBe('late');
    expect(sink.ended).toBe(1);
  });

  it('returns on a Blocked write and ends the response only once the sink could write it all', () => {
    const { rec, sink, r } = setup(answer('abc'));
    sink.mode = 'blocked';
    runStateMachine(r, sink);
    expect(r.state).toBe(RequestState.Write);
    expect(rec.count('handleRequestDone')).toBe(0);
    expect(sink.ended).toBe(0);
    runStateMachine(r, sink);
    expect(sink.ended).toBe(0);

    sink.mode = 'drain';
    runStateMachine(r, sink);
    expect(sink.text).toBe('abc');
    expect(rec.count('handleRequestDone')).toBe(1);
    expect(sink.ended).toBe(1);
  });

  describe('a streaming handler (respBodyStarted)', () => {
    const PIECE = 16 * 1024;

    /** 16 KiB per call; WaitForEvent until call `last`, which finishes. */
    function streamer(lengths: number[], last: number): Subrequest {
      return (r, call) => {
        lengths.push(r.respBody.length);
        r.status = 200;
        r.respBodyStarted = true;
        r.appendBody(Buffer.alloc(PIECE, call));
        return call === last ? HandlerResult.Finished : HandlerResult.WaitForEvent;
      };
    }

    it('gets its head started before the body ends and is asked for more only below the low-water mark', () => {
      const lengths: number[] = [];
      const { rec, sink, r, calls } = setup(streamer(lengths, 6), { conf: { 'server.stream-response-body': 1 } });
      sink.mode = 'blocked';
      runStateMachine(r, sink);
      expect(sink.atStart).toMatchObject({ finished: false });
      expect(rec.events.indexOf('startResponse@respstart')).toBeGreaterThan(rec.events.indexOf('subrequest@handlereq'));

      // the socket stays full: the handler fills the queue up to the mark, then is left alone
      for (let i = 0; i < 5; i++) runStateMachine(r, sink);
      expect(calls()).toBe(4);
      expect(r.respBody.length).toBe(4 * PIECE);
      expect(r.respBody.length).toBeGreaterThanOrEqual(RESPONSE_LOW_WATER);
      expect(sink.ended).toBe(0);

      sink.mode = 'drain';
      runStateMachine(r, sink);
      expect(calls()).toBe(6);
      expect(lengths).toEqual([0, PIECE, 2 * PIECE, 3 * PIECE, 0, 0]);
      for (const n of lengths) expect(n).toBeLessThan(RESPONSE_LOW_WATER);
      const body = Buffer.concat(sink.body);
      expect(body.length).toBe(6 * PIECE);
      expect([body[0], body[5 * PIECE]]).toEqual([1, 6]);
      expect(rec.count('handleRequestDone')).toBe(1);
      expect(sink.ended).toBe(1);
      expect(r.state).toBe(RequestState.ResponseEnd);
    });

    it('ends in ERROR (no 500: the head is gone) when it throws while writing', () => {
      const { rec, sink, r } = setup(
        (req, call) => {
          if (call === 2) throw new Error('backend went away');
          req.status = 200;
          req.respBodyStarted = true;
          req.appendBody(Buffer.from('part'));
          return HandlerResult.WaitForEvent;
        },
        { conf: { 'server.stream-response-body': 1 } },
      );
      runStateMachine(r, sink);
      expect(r.state).toBe(RequestState.Error);
      expect(r.status).toBe(200);
      expect(rec.count('startResponse')).toBe(1);
      expect(sink.text).not.toContain('500');
      expect(rec.errors.join('\n')).toContain('backend went away');
      expect(rec.events.slice(-2)).toEqual(['handleRequestDone@error', 'endResponse@error']);
    });

    describe('with server.stream-response-body = 0', () => {
      let dir = '';
      let spill: TempSpill | null = null;
      beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-sm-'));
        spill = new TempSpill([dir], 1024 * 1024);
      });
      afterEach(() => {
        spill?.release();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      it('buffers the whole body (to a temp file past 64 KiB) before the head, which then has its length', () => {
        const lengths: number[] = [];
        const { sink, r, calls } = setup(streamer(lengths, 7), { conf: { 'server.stream-response-body': 0 }, spill: spill as TempSpill });
        runStateMachine(r, sink);
        expect(calls()).toBe(7);
        expect(sink.atStart).not.toBeNull();
        const atStart = sink.atStart as NonNullable<RecordingSink['atStart']>;
        expect(atStart.finished).toBe(true);
        expect(atStart.length).toBe(7 * PIECE);
        expect(atStart.fileParts).toBeGreaterThan(0);
        expect(atStart.memoryBytes).toBeLessThanOrEqual(64 * 1024);
        const body = Buffer.concat(sink.body);
        expect(body.length).toBe(7 * PIECE);
        for (let i = 0; i < 7; i++) expect(body[i * PIECE]).toBe(i + 1);
        expect(sink.ended).toBe(1);
      });
    });
  });

  describe('failures', () => {
    it('answers 500 with the error page (and closes) when the handler throws before the head', () => {
      const { rec, sink, r } = setup(() => {
        throw new Error('handler exploded');
      });
      runStateMachine(r, sink);
      expect(r.status).toBe(500);
      expect(r.forceClose).toBe(true);
      expect(r.responseHeader('Content-Type')).toBe('text/html');
      expect(sink.text).toBe(defaultErrorPage(500).toString('latin1'));
      expect(rec.errors).toHaveLength(1);
      expect(rec.errors[0]).toContain('GET /x');
      expect(rec.errors[0]).toContain('handler exploded');
      expect(rec.count('handleRequestDone')).toBe(1);
      expect(sink.ended).toBe(1);
    });

    it('drops what the handler had built before it threw', () => {
      const { sink, r } = setup((req) => {
        req.status = 200;
        req.setHeader('X-Partial', '1');
        req.appendBody(Buffer.from('half a response'));
        throw new Error('late failure');
      });
      runStateMachine(r, sink);
      expect(r.status).toBe(500);
      expect(r.responseHeader('X-Partial')).toBeUndefined();
      expect(sink.text).not.toContain('half a response');
    });

    it('ends in ERROR, sending nothing, when a handleResponseStart hook fails (lighttpd http_response_write_prepare returns HANDLER_ERROR)', () => {
      // fails three times, then would go on: an engine that retries the response start calls it again
      let failures = 0;
      const { rec, sink, r } = setup(answer('body'), {
        hooks: {
          handleResponseStart: () => (++failures <= 3 ? HandlerResult.Error : HandlerResult.GoOn),
        },
      });
      runStateMachine(r, sink);
      expect(rec.count('handleResponseStart')).toBe(1);
      expect(rec.count('startResponse')).toBe(0);
      expect(r.state).toBe(RequestState.Error);
      expect(sink.ended).toBe(1);
    });
  });
});
