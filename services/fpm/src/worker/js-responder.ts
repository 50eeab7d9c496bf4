// Runs one FastCGI request through a JavaScript handler module: php-fpm's request path
// (fpm_main.c) with SCRIPT_FILENAME naming a module instead of a PHP script, and its answers:
// 404 "File not found." for an unknown script, 403 "Access denied." outside
// security.limit_extensions, 500 with the stack logged when the handler throws.
import path from 'node:path';
import type { FastcgiServerRequest } from '@libs/fastcgi';
import type { ServiceLog } from '@libs/log';
import { cgiError, cgiHead, plainCgiHead, requestFromParams } from './fetch-bridge';
import { HandlerCache, HandlerNotFound, type Handler } from './handler-cache';
import { LightResponse, type PlainResponse } from './light-response';

export interface JsResponderOptions {
  readonly pool: string;
  readonly limitExtensions: readonly string[];
  readonly revalidateSeconds: number;
  readonly log: ServiceLog;
}

/** What the access log needs to know of a response. */
export interface Outcome {
  readonly status: number;
  readonly headers: Headers | null;
}

/**
 * Runs a request; the outcome comes at once when the handler answered at once (no promise, no
 * turn of the loop: the response leaves in the same write as the others of this read).
 */
export type JsResponder = (request: FastcgiServerRequest) => Outcome | Promise<Outcome>;

export function createJsResponder(options: JsResponderOptions): JsResponder {
  const cache = new HandlerCache(options.revalidateSeconds);
  const { log, pool } = options;

  function run(fcgi: FastcgiServerRequest, script: string, handler: Handler): Outcome | Promise<Outcome> {
    let result: Response | PromiseLike<Response>;
    try {
      result = handler(requestFromParams(fcgi.params, () => fcgi.stdin), { params: fcgi.params, pool });
    } catch (err) {
      return failed(fcgi, script, err);
    }
    if (isThenable(result)) return Promise.resolve(result).then((response) => deliver(fcgi, script, response), (err: unknown) => failed(fcgi, script, err));
    return deliver(fcgi, script, result);
  }

  function deliver(fcgi: FastcgiServerRequest, script: string, response: unknown): Outcome | Promise<Outcome> {
    // Ended meanwhile (request_terminate_timeout): nobody takes the answer.
    if (fcgi.finished) return { status: response instanceof Response ? response.status : 500, headers: null };
    if (!(response instanceof Response)) return failed(fcgi, script, new TypeError(`${script} returned ${typeof response}, not a Response`));
    // A body nobody asked for is dropped as it arrives.
    fcgi.discardStdin();
    const plain = LightResponse.takePlain(response);
    if (plain !== null) {
      writePlain(fcgi, plain);
      return new PlainOutcome(plain);
    }
    const native = LightResponse.unwrap(response);
    return stream(fcgi, native, log, pool, script).then(() => ({ status: native.status, headers: native.headers }));
  }

  function failed(fcgi: FastcgiServerRequest, script: string, err: unknown): Outcome {
    if (err instanceof HandlerNotFound) return finish(fcgi, 404, 'File not found.', 'Primary script unknown');
    if (fcgi.aborted) {
      // The web server went away (its client did): the body the handler was reading is cut
      // short and nobody hears the answer. php-fpm logs nothing then; a client leaving is no
      // server error.
      log.debug(`[pool ${pool}] ${script}: the web server closed the request: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      return { status: 500, headers: null };
    }
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log.error(`[pool ${pool}] ${script}: uncaught ${stack}`);
    // As PHP does, the web server hears about it on FastCGI stderr (nginx: "FastCGI sent in stderr").
    const summary = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return finish(fcgi, 500, 'Internal Server Error', `JavaScript error: Uncaught ${summary} in ${script}`);
  }

  return function respond(fcgi: FastcgiServerRequest): Outcome | Promise<Outcome> {
    const script = fcgi.params.get('SCRIPT_FILENAME') ?? '';
    if (script === '') return finish(fcgi, 404, 'File not found.', 'Primary script unknown');
    if (options.limitExtensions.length > 0 && !options.limitExtensions.includes(path.extname(script))) {
      log.warn(`[pool ${pool}] Access to the script '${script}' has been denied (see security.limit_extensions)`);
      return finish(fcgi, 403, 'Access denied.', null);
    }
    const handler = cache.fresh(script);
    if (handler !== undefined) return run(fcgi, script, handler);
    return cache.get(script).then((loaded) => run(fcgi, script, loaded), (err: unknown) => failed(fcgi, script, err));
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function finish(fcgi: FastcgiServerRequest, status: number, body: string, stderr: string | null): Outcome {
  if (!fcgi.finished) {
    if (stderr !== null) fcgi.writeStderr(stderr);
    fcgi.end(0, cgiError(status, body));
  }
  return { status, headers: null };
}

/** The outcome of a plain response; its Headers are made only if the access log asks for one. */
class PlainOutcome implements Outcome {
  constructor(private readonly response: PlainResponse) {}

  get status(): number {
    return this.response.status;
  }

  get headers(): Headers {
    const { headers, body } = this.response;
    if (headers !== null) return headers;
    return new Headers(typeof body === 'string' ? { 'content-type': 'text/plain;charset=UTF-8' } : undefined);
  }
}

/** A response made from a string, bytes or nothing: head and body in one STDOUT record. */
function writePlain(fcgi: FastcgiServerRequest, response: PlainResponse): void {
  if (fcgi.finished || fcgi.aborted) return;
  const head = plainCgiHead(response);
  const body = fcgi.params.get('REQUEST_METHOD') === 'HEAD' ? null : response.body;
  if (body === null || typeof body === 'string') fcgi.end(0, body === null ? head : head + body);
  else {
    fcgi.write(head);
    fcgi.end(0, body);
  }
}

async function stream(fcgi: FastcgiServerRequest, response: Response, log: ServiceLog, pool: string, script: string): Promise<void> {
  const head = cgiHead(response);
  const isHead = fcgi.params.get('REQUEST_METHOD') === 'HEAD';
  const fixed = isHead ? null : fixedBody(response);
  if (typeof fixed === 'string') {
    // Made from a string: head and body become one STDOUT record, without a stream reader.
    fcgi.write(head + fixed);
  } else if (fixed !== null) {
    fcgi.write(head);
    fcgi.write(fixed);
  } else if (response.body !== null && !isHead) {
    fcgi.write(head);
    const reader = response.body.getReader();
    const cancel = (): void => void reader.cancel().catch(() => undefined);
    fcgi.once('abort', cancel);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || fcgi.aborted) break;
        if (!fcgi.write(value)) {
          cancel();
          break;
        }
      }
    } catch (err) {
      // Headers are gone already: the web server sees a truncated body, the log says why.
      log.error(`[pool ${pool}] ${script}: response body failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      fcgi.off('abort', cancel);
    }
  } else {
    fcgi.write(head);
    await response.body?.cancel();
  }
  if (!fcgi.finished && !fcgi.aborted) fcgi.end(0);
}

/** Where undici keeps a Response's state; its body.source is the string or bytes it was made from. */
let stateKey: symbol | undefined | null = null;

/** Found on the first native Response (not at load: that would load undici in every process). */
function undiciStateKey(response: Response): symbol | undefined {
  // Only native Responses get here (LightResponse.unwrap).
  if (stateKey === null) stateKey = Object.getOwnPropertySymbols(response).find((key) => key.description === 'state');
  return stateKey;
}

interface UndiciBodyState {
  body?: { source?: unknown } | null;
}

/**
 * The body of a Response made from a string or bytes, when nobody has read it: the same bytes
 * its stream would yield. Null for streams, blobs, forms and anything unfamiliar (read as a stream).
 */
function fixedBody(response: Response): string | Uint8Array | null {
  const key = undiciStateKey(response);
  if (key === undefined || response.bodyUsed) return null;
  const body = response.body;
  if (body === null || body.locked) return null;
  const source = (Reflect.get(response, key) as UndiciBodyState | undefined)?.body?.source;
  if (typeof source === 'string' || source instanceof Uint8Array) return source;
  return null;
}
