// The worker's half of the ondemand hand-over (see src/master/pool.ts): the master accepts the
// pool's connections itself and passes each one over the IPC channel as
// { type: 'handed-connection' } with the socket as the message's handle; the worker serves it as
// if its own server had accepted it.
import net from 'node:net';
import type { HandedConnection } from './worker-messages';

export const HANDED_CONNECTION: HandedConnection['type'] = 'handed-connection';

/** Feeds handed connections into `server` ('connection' events); returns a function that stops it. */
export function acceptHandedConnections(server: net.Server): () => void {
  const onMessage = (msg: unknown, handle: unknown): void => {
    if (typeof msg !== 'object' || msg === null || (msg as { type?: unknown }).type !== HANDED_CONNECTION) return;
    if (handle instanceof net.Socket) server.emit('connection', handle);
  };
  process.on('message', onMessage);
  // With no listening socket of its own, the channel is what the connections come through: it
  // must keep the worker alive (connectToParent unrefs it) until the worker drains and exits.
  process.channel?.ref();
  return () => {
    process.off('message', onMessage);
    process.channel?.unref();
  };
}
