// What a connection waits for, as far as its idle timeouts go (lighttpd connection_check_timeout
// reads this from the request state; the event layer needs no more than these five, and nothing of
// the protocol on top).
export const IoPhase = {
  /** Nothing to time out: just accepted, or a request is being handled. */
  Busy: 'busy',
  /** Waiting for a request head: read-idle for the first, keep-alive-idle for later ones. */
  AwaitRequest: 'await-request',
  /** Reading a request body: read-idle. */
  ReadBody: 'read-body',
  /** Writing: write-idle while the output makes no progress. */
  Write: 'write',
  /** Closing: the peer may still send; the linger timeout ends it. */
  Linger: 'linger',
} as const;

export type IoPhase = (typeof IoPhase)[keyof typeof IoPhase];
