// The control-flow value every handler returns: lighttpd's handler_t (src/plugin.h, base.h).
// Dispatch stops at the first result that is not GoOn; errors are results, not exceptions.
export const HandlerResult = {
  /** Not my business (or done with my part): let the next handler run. */
  GoOn: 'go-on',
  /** The request is answered; stop dispatching. */
  Finished: 'finished',
  /** Waiting for I/O (a backend, a file); the connection is re-run when it arrives. */
  WaitForEvent: 'wait-for-event',
  /** Run the request again from the start (after a rewrite, for one). */
  Comeback: 'comeback',
  /** Fail the request (500) or the start-up step. */
  Error: 'error',
} as const;

export type HandlerResult = (typeof HandlerResult)[keyof typeof HandlerResult];
