// Worker recycling (not in lighttpd; php-fpm's pm.max_requests and PM2's max_memory_restart are the
// models): a worker that served server.max-worker-requests requests, or whose resident memory
// went above server.max-worker-rss megabytes, asks its watcher for a successor and then retires
// gracefully, so no request is dropped. Both default to 0 (off). Checked once a second.
import type { TypedValue } from '../config';

export interface RecyclingLimits {
  readonly maxRequests: number;
  /** Bytes; 0: no limit. */
  readonly maxRss: number;
}

export function recyclingLimits(globalValue: (key: string) => TypedValue | undefined): RecyclingLimits | null {
  const requests = globalValue('server.max-worker-requests');
  const rssMb = globalValue('server.max-worker-rss');
  const maxRequests = typeof requests === 'number' && requests > 0 ? requests : 0;
  const maxRss = typeof rssMb === 'number' && rssMb > 0 ? rssMb * 1024 * 1024 : 0;
  return maxRequests === 0 && maxRss === 0 ? null : { maxRequests, maxRss };
}

/** Why this worker should be replaced now, or null. */
export function recyclingDue(limits: RecyclingLimits, requests: number, rss: number): string | null {
  if (limits.maxRequests > 0 && requests >= limits.maxRequests) return `${requests} requests served (server.max-worker-requests = ${limits.maxRequests})`;
  if (limits.maxRss > 0 && rss > limits.maxRss) {
    return `resident memory ${Math.round(rss / 1048576)} MB above server.max-worker-rss = ${limits.maxRss / 1048576}`;
  }
  return null;
}
