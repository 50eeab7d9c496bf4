// Per-worker cache of JavaScript handler modules, revalidated against the file's mtime at most
// every `handler.revalidate_freq` seconds (the idea of opcache.revalidate_freq; 0 = every request).
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

/** What a handler module exports by default: the Fetch API in, the Fetch API out. */
export type Handler = (request: Request, context: HandlerContext) => Response | Promise<Response>;

export interface HandlerContext {
  /** The FastCGI params of this request (SCRIPT_FILENAME, REMOTE_ADDR, ...). */
  readonly params: ReadonlyMap<string, string>;
  /** The pool this worker belongs to. */
  readonly pool: string;
}

interface CacheEntry {
  handler: Handler;
  mtimeMs: number;
  checkedAt: number;
}

export class HandlerNotFound extends Error {
  readonly code = 'FPM_ERR_SCRIPT_UNKNOWN';
}

export class HandlerInvalid extends Error {
  readonly code = 'FPM_ERR_HANDLER_INVALID';
}

// tsc would turn import() into require() under CommonJS; ES modules need the real import().
const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>;

export class HandlerCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly revalidateSeconds: number) {}

  /** The cached handler when it needs no revalidation now: no promise, no turn of the loop. */
  fresh(file: string): Handler | undefined {
    const cached = this.entries.get(file);
    if (cached && Date.now() - cached.checkedAt < this.revalidateSeconds * 1000) return cached.handler;
    return undefined;
  }

  async get(file: string): Promise<Handler> {
    const now = Date.now();
    const cached = this.entries.get(file);
    if (cached && now - cached.checkedAt < this.revalidateSeconds * 1000) return cached.handler;

    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      this.entries.delete(file);
      throw new HandlerNotFound(`Primary script unknown: ${file}`);
    }
    if (!stat.isFile()) throw new HandlerNotFound(`Primary script unknown: ${file}`);
    if (cached && cached.mtimeMs === stat.mtimeMs) {
      cached.checkedAt = now;
      return cached.handler;
    }
    const handler = await load(file, stat.mtimeMs);
    this.entries.set(file, { handler, mtimeMs: stat.mtimeMs, checkedAt: now });
    return handler;
  }
}

async function load(file: string, mtimeMs: number): Promise<Handler> {
  let exported: unknown;
  if (file.endsWith('.mjs')) {
    // ES modules cannot be evicted from Node's cache; a new URL per mtime loads the new version
    // (the old one stays in memory until the worker is recycled by pm.max_requests).
    const mod = await dynamicImport(`${pathToFileURL(file).href}?mtime=${mtimeMs}`);
    exported = mod['default'];
  } else {
    const resolved = require.resolve(file);
    delete require.cache[resolved];
    const mod = require(resolved) as { default?: unknown } | ((...args: unknown[]) => unknown);
    exported = typeof mod === 'function' ? mod : mod.default;
  }
  if (typeof exported !== 'function') {
    throw new HandlerInvalid(`${file} has no default export function (request, context) => Response`);
  }
  return exported as Handler;
}
