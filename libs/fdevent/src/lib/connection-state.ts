// Connection states of lighttpd's connection state machine (src/base.h connection_state_t,
// src/connections.c connection_get_state): the names are the ones lighttpd prints.
export const ConnectionState = {
  Connect: 'connect',
  ReqStart: 'reqstart',
  Read: 'read',
  ReqEnd: 'reqend',
  ReadPost: 'readpost',
  HandleReq: 'handlereq',
  RespStart: 'respstart',
  Write: 'write',
  RespEnd: 'respend',
  Error: 'error',
  Close: 'close',
} as const;

export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];
