// Public surface of @libs/testing: helpers for specs only (real processes, real sockets).
export { spawnTs, tsEnv, tsNodeArgs, workspaceRoot } from './lib/spawn-ts';
export { readLines, type LineReader } from './lib/line-reader';
export { NotifyReceiver, parseNotifyMessage } from './lib/notify-receiver';
export { DatagramReceiver } from './lib/datagram-receiver';
export { privateDevLog } from './lib/private-dev-log';
export { freePort } from './lib/free-port';
export { thrownCode } from './lib/thrown-code';
export { endChildInput } from './lib/child-input';
