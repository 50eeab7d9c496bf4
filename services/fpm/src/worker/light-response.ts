// The worker's global Response: Node 20's own (undici) builds a ReadableStream for every body at
// construction, about 19 µs for `new Response('hello')`, more than the rest of a FastCGI request.
// This one keeps a plain body (string, bytes or none) and its init as they are; the worker writes
// them to the web server directly, and anything else a handler does with the response (read the
// body, clone it, look at its type) builds the native Response first and asks it. Unusual
// bodies and inits (streams, blobs, forms, odd statuses) build the native one at once, so its
// checks and errors are the ones a handler sees. `instanceof Response` holds both ways. The
// native class itself is loaded only when needed (see native-delegation.ts).
import { delegateToNative, nativeFetchClasses, toNative } from './native-delegation';

const native = (): typeof Response => nativeFetchClasses().Response;

type HeadersInit = ConstructorParameters<typeof Headers>[0];
type BodyInit = ConstructorParameters<typeof Response>[0];

/** The parts of a response the worker writes itself. */
export interface PlainResponse {
  readonly status: number;
  readonly statusText: string;
  /** Null: none given and nobody asked; the only header is the body's default content-type. */
  readonly headers: Headers | null;
  readonly body: string | Uint8Array | null;
}

/** Statuses the Fetch standard gives no body (101 is below the 200 an init may set). */
const NULL_BODY_STATUS = new Set([204, 205, 304]);
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
const TEXT_PLAIN = 'text/plain;charset=UTF-8';

interface PlainInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

/** A body the light path keeps as it is; anything else goes to the native constructor. */
function isPlainBody(body: unknown): body is string | Uint8Array | null | undefined {
  return body === null || body === undefined || typeof body === 'string' || (body instanceof Uint8Array && !(body.buffer instanceof SharedArrayBuffer));
}

function isPlainInit(init: unknown): init is PlainInit | undefined {
  if (init === undefined) return true;
  if (typeof init !== 'object' || init === null || Object.getPrototypeOf(init) !== Object.prototype) return false;
  const { status, statusText } = init as PlainInit;
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) return false;
  return statusText === undefined || (typeof statusText === 'string' && REASON_PHRASE.test(statusText));
}

export class LightResponse {
  #native: Response | null = null;
  #status = 200;
  #statusText = '';
  #headers: Headers | null = null;
  #body: string | Uint8Array | null = null;
  /** Taken by the worker (takePlain): the body is spent. */
  #taken = false;

  constructor(body?: unknown, init?: unknown) {
    if (!isPlainBody(body) || !isPlainInit(init)) {
      this.#native = new (native())(body as BodyInit, init as ResponseInit);
      return;
    }
    const status = init?.status ?? 200;
    if (body != null && NULL_BODY_STATUS.has(status)) {
      // The native constructor throws its own TypeError for this.
      this.#native = new (native())(body, init);
      return;
    }
    this.#status = status;
    this.#statusText = init?.statusText ?? '';
    // The native Response copies bytes too: the caller may reuse its buffer.
    this.#body = body instanceof Uint8Array ? body.slice() : (body ?? null);
    if (init?.headers != null) this.#headers = this.#withDefaultType(new Headers(init.headers));
  }

  /** Light ones answer without loading the native class; native ones (from fetch()) are Responses too. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value === 'object' && value !== null && #taken in value) return true;
    return value instanceof native();
  }

  static error(): Response {
    return native().error();
  }

  static redirect(url: string | URL, status?: number): Response {
    return native().redirect(url, status as Parameters<typeof Response.redirect>[1]);
  }

  static json(data: unknown, init?: ResponseInit): Response {
    if (!isPlainInit(init)) return native().json(data, init);
    const text = JSON.stringify(data);
    if (text === undefined) return native().json(data, init);
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new LightResponse(text, { ...init, headers }) as unknown as Response;
  }

  get status(): number {
    return this.#native?.status ?? this.#status;
  }

  get statusText(): string {
    return this.#native?.statusText ?? this.#statusText;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }

  get headers(): Headers {
    if (this.#native !== null) return this.#native.headers;
    return (this.#headers ??= this.#withDefaultType(new Headers()));
  }

  /** The native Response with the same state; the light fields are not used after this. */
  [toNative](): Response {
    if (this.#native === null) {
      const body = this.#taken ? null : this.#body;
      this.#native = new (native())(body, { status: this.#status, statusText: this.#statusText, headers: this.#headers ?? undefined });
    }
    return this.#native;
  }

  /** For the worker: the plain parts, once, or null when the native Response is in charge. */
  static takePlain(response: unknown): PlainResponse | null {
    // A brand check: instanceof is true for native Responses too.
    if (typeof response !== 'object' || response === null || !(#taken in response)) return null;
    if (response.#native !== null || response.#taken) return null;
    response.#taken = true;
    return { status: response.#status, statusText: response.#statusText, headers: response.#headers, body: response.#body };
  }

  /** The native Response behind a light one (built now if need be), or the response itself. */
  static unwrap(response: Response): Response {
    return #taken in response ? (response as unknown as LightResponse)[toNative]() : response;
  }

  #withDefaultType(headers: Headers): Headers {
    if (typeof this.#body === 'string' && !headers.has('content-type')) headers.set('content-type', TEXT_PLAIN);
    return headers;
  }
}

delegateToNative(
  LightResponse,
  'Response',
  { getters: ['type', 'url', 'redirected', 'body', 'bodyUsed'], methods: ['clone', 'blob', 'arrayBuffer', 'text', 'json', 'formData', 'bytes'] },
  (classes) => classes.Response,
);
