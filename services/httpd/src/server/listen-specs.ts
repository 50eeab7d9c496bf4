// Which sockets to listen on: server.bind/server.port of the global scope plus every
// $SERVER["socket"] == "host:port" block, as lighttpd 1.4.69 network.c network_init() collects
// them, with their socket-scope options (server.socket-perms, server.listen-backlog,
// server.kbytes-per-second) for @libs/fdevent's openServerSockets.
import type { ServerSocketConfig } from '@libs/fdevent';
import type { ConfigTree, TypedValue, ValidationResult } from '../config';

function value(validation: ValidationResult, index: number, key: string): TypedValue | undefined {
  return validation.contexts[index]?.values.get(key)?.value;
}

function options(validation: ValidationResult, index: number): Omit<ServerSocketConfig, 'address'> {
  const pick = (key: string): TypedValue | undefined => value(validation, index, key) ?? value(validation, 0, key);
  const perms = pick('server.socket-perms');
  const backlog = pick('server.listen-backlog');
  const kbps = pick('server.kbytes-per-second');
  return {
    ...(typeof perms === 'string' && /^[0-7]+$/.test(perms) ? { perms: parseInt(perms, 8) } : {}),
    ...(typeof backlog === 'number' && backlog > 0 ? { backlog } : {}),
    ...(typeof kbps === 'number' ? { kbytesPerSecond: kbps } : {}),
  };
}

/** "host:port" for a bind value ("[v6]" and bare "v6" both become "[v6]:port"); a path stays a path. */
function bindAddress(bind: string, port: number): string {
  if (bind.startsWith('/')) return bind;
  if (bind.startsWith('[')) return `${bind}:${port}`;
  return bind.includes(':') ? `[${bind}]:${port}` : `${bind}:${port}`;
}

/**
 * The global socket first, then one per $SERVER["socket"] == block (duplicates dropped).
 * `activated`: systemd passed sockets and server.systemd-socket-activation is on; then, as
 * lighttpd 1.4.69 does, server.port alone (no server.bind) opens nothing of its own: the
 * inherited sockets are the global ones.
 */
export function listenSpecs(tree: ConfigTree, validation: ValidationResult, activated = false): ServerSocketConfig[] {
  const bindV = value(validation, 0, 'server.bind');
  const portV = value(validation, 0, 'server.port');
  const bindSet = typeof bindV === 'string' && bindV !== '';
  const bind = bindSet ? bindV : '0.0.0.0';
  const port = typeof portV === 'number' ? portV : 80;
  const global = bindAddress(bind, port);
  const specs: ServerSocketConfig[] = activated && !bindSet ? [] : [{ address: global, ...options(validation, 0) }];
  for (const c of tree.conditionals) {
    const cond = c.condition;
    if (cond === null || cond.subject.kind !== 'server-socket' || cond.operator !== '==') continue;
    // ":8080" and "host:port" as written are the names conditions compare with
    const address = cond.pattern;
    if (!specs.some((s) => s.address === address)) specs.push({ address, ...options(validation, c.index) });
  }
  return specs;
}
