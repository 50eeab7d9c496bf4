// The states of a request, lighttpd 1.4.69 src/request.h request_state_t, with the names lighttpd
// prints (connections.c connection_get_state). The request carries its state; the state machine
// (state-machine.ts) is the only code that changes it.
export const RequestState = {
  Connect: 0,
  RequestStart: 1,
  Read: 2,
  RequestEnd: 3,
  ReadPost: 4,
  HandleRequest: 5,
  ResponseStart: 6,
  Write: 7,
  ResponseEnd: 8,
  Error: 9,
  Close: 10,
} as const;

export type RequestState = (typeof RequestState)[keyof typeof RequestState];

const NAMES = ['connect', 'reqstart', 'read', 'reqend', 'readpost', 'handlereq', 'respstart', 'write', 'respend', 'error', 'close'] as const;

export function requestStateName(s: RequestState): string {
  return NAMES[s];
}
