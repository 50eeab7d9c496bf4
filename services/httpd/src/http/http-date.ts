// The Date header value, formatted at most once a second (lighttpd's http_date.c keeps a
// per-second cache that its 1-second trigger refreshes; we do the same for every response).

let cachedSecond = -1;
let cachedValue = '';

/** IMF-fixdate (RFC 9110 5.6.7) for the current second, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
export function dateHeader(nowMs: number = Date.now()): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}

/** Called from the 1-second trigger so requests in that second find the value ready. */
export function refreshDateHeader(nowMs: number = Date.now()): void {
  dateHeader(nowMs);
}
