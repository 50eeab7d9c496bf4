// The Request a handler receives. Node 20's own (undici) costs about 12 µs to construct (URL,
// Headers, AbortSignal, body stream), for handlers that mostly read the method, the URL and a
// header or two. This one answers those three from what the web server sent; anything else
// (body, text(), signal, clone(), ...) builds the native Request once and asks it. It passes
// `instanceof Request`; the worker's global Request and fetch() take it like a native one.
import { delegateToNative, nativeFetchClasses, toNative } from './native-delegation';

type HeadersInit = ConstructorParameters<typeof Headers>[0];
type RequestInput = ConstructorParameters<typeof Request>[0];
const nativeFetch = globalThis.fetch;

/** Methods the native constructor takes as they are; others (lowercase, CONNECT, ...) go native at once. */
const PLAIN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

export interface RequestParts {
  readonly method: string;
  /** Absolute URL text; checked and normalised as the native constructor does. */
  readonly url: string | URL;
  /** The header pairs, made when someone asks. */
  readonly headers: () => [string, string][];
  /** The body as a stream, made when someone asks; null for GET and HEAD. */
  readonly body: (() => ReadableStream<Uint8Array>) | null;
}

export class LightRequest {
  #native: Request | null = null;
  readonly #method: string;
  readonly #url: string;
  readonly #headerList: () => [string, string][];
  #headers: Headers | null = null;
  readonly #body: (() => ReadableStream<Uint8Array>) | null;

  private constructor(parts: RequestParts, url: string) {
    this.#method = parts.method;
    this.#url = url;
    this.#headerList = parts.headers;
    this.#body = parts.body;
  }

  /** A light Request for the usual methods, the native one for anything else. */
  static from(parts: RequestParts): Request {
    if (!PLAIN_METHODS.has(parts.method)) return nativeRequest(parts.url, parts.method, parts.headers(), parts.body);
    // Checked now so a bad URL fails where the native constructor would have failed; the
    // common shape is already what the parser would print.
    const url = typeof parts.url === 'string' && isCanonicalUrl(parts.url) ? parts.url : new URL(parts.url).href;
    return new LightRequest(parts, url) as unknown as Request;
  }

  get method(): string {
    return this.#native?.method ?? this.#method;
  }

  get url(): string {
    return this.#native?.url ?? this.#url;
  }

  get headers(): Headers {
    if (this.#native !== null) return this.#native.headers;
    return (this.#headers ??= new Headers(this.#headerList()));
  }

  /** The native Request with the same state; the light fields are not used after this. */
  [toNative](): Request {
    return (this.#native ??= nativeRequest(this.#url, this.#method, this.#headers ?? this.#headerList(), this.#body));
  }
}

/**
 * scheme://host[:port]/path[?query] in the exact form the URL parser prints: lowercase host,
 * no default port, no dot segments (plain or percent-encoded), only characters it leaves as
 * they are. Anything else is parsed. Origins repeat: their verdicts are kept.
 */
const CANONICAL_ORIGIN = /^(https?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::([1-9][0-9]{0,4}))?$/;
const CANONICAL_PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/%]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?$/;
const DOT_SEGMENT = /^[^?]*\/(?:\.|%2e){1,2}(?:[/?]|$)/i;
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const MAX_ORIGINS = 256;
const canonicalOrigins = new Map<string, boolean>();

function isCanonicalUrl(url: string): boolean {
  const pathAt = url.indexOf('/', url.indexOf('://') + 3);
  if (pathAt < 0) return false;
  const origin = url.slice(0, pathAt);
  let canonical = canonicalOrigins.get(origin);
  if (canonical === undefined) {
    canonical = isCanonicalOrigin(origin);
    if (canonicalOrigins.size < MAX_ORIGINS) canonicalOrigins.set(origin, canonical);
  }
  if (!canonical) return false;
  const rest = url.slice(pathAt);
  return CANONICAL_PATH.test(rest) && !DOT_SEGMENT.test(rest);
}

function isCanonicalOrigin(origin: string): boolean {
  const m = CANONICAL_ORIGIN.exec(origin);
  if (m === null) return false;
  const [, scheme, host = '', port] = m;
  if (port !== undefined && (Number(port) > 65535 || port === (scheme === 'http' ? '80' : '443'))) return false;
  // A dotted quad, or a domain whose last label starts with a letter (others may be IPv4
  // numbers the parser rewrites) and has no punycode (the parser checks it).
  if (DOTTED_QUAD.test(host)) return true;
  return /^[a-z]/.test(host.slice(host.lastIndexOf('.') + 1)) && !/(?:^|\.)xn--/.test(host);
}

function nativeRequest(url: string | URL, method: string, headers: HeadersInit, body: RequestParts['body']): Request {
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (body !== null) {
    init.body = body();
    init.duplex = 'half';
  }
  return new (nativeFetchClasses().Request)(url, init);
}

delegateToNative(
  LightRequest,
  'Request',
  {
    getters: [
      'destination', 'referrer', 'referrerPolicy', 'mode', 'credentials', 'cache', 'redirect', 'integrity', 'keepalive',
      'isReloadNavigation', 'isHistoryNavigation', 'signal', 'body', 'bodyUsed', 'duplex',
    ],
    methods: ['clone', 'blob', 'arrayBuffer', 'text', 'json', 'formData', 'bytes'],
  },
  (classes) => classes.Request,
);

const unwrap = (input: unknown): unknown => (input instanceof LightRequest ? input[toNative]() : input);

let workerRequest: typeof Request | null = null;

/** The worker's global Request: the native one, taking a light Request as input too (made on first use). */
function workerRequestClass(): typeof Request {
  if (workerRequest === null) {
    const NativeRequest = nativeFetchClasses().Request;
    workerRequest = class Request extends NativeRequest {
      constructor(input: RequestInput, init?: RequestInit) {
        super(unwrap(input) as RequestInput, init);
      }

      static override [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof NativeRequest;
      }
    };
  }
  return workerRequest;
}

/** The worker's global fetch: the native one, taking a light Request too. */
function workerFetch(input: RequestInput, init?: RequestInit): Promise<Response> {
  return nativeFetch(unwrap(input) as RequestInput, init);
}

export { workerRequestClass, workerFetch };
