// Public surface of @libs/fdevent: server sockets, accept gating, the connection registry,
// the 1-second trigger, the joblist and HandlerResult.
export { HandlerResult } from './lib/handler-result';
export { IoPhase } from './lib/io-phase';
export { FdeventError, type FdeventErrorCode } from './lib/errors';
export { parseSocketAddress, formatSocketAddress, sameSocketAddress, type SocketAddress } from './lib/socket-address';
export { ServerSocket, type ServerSocketConfig, type InheritedSocket } from './lib/server-socket';
export { openServerSockets, type OpenServerSocketsOptions } from './lib/open-server-sockets';
export { Trigger, processTrigger, type TriggerSubscriber } from './lib/trigger';
export { Joblist, type JobTarget } from './lib/joblist';
export { TrafficBudget } from './lib/traffic-budget';
export {
  Connection,
  DEFAULT_CONNECTION_LIMITS,
  type ConnectionHandler,
  type ConnectionLimits,
  type TimeoutKind,
} from './lib/connection';
export { ConnectionRegistry, HTTP_LINGER_TIMEOUT } from './lib/connection-registry';
export { FdEvent, type FdEventOptions } from './lib/fdevent';
export { countOpenFds, fdSoftLimit } from './lib/fd-count';
