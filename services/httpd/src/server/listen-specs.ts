// Which sockets to listen on: server.bind/server.port of the global scope plus every
// $SERVER["socket"] == "host:port" block, as lighttpd 1.4.69 network.c network_init() collects them.
import type { ConfigTree } from '../config';
import { serveErrors } from './errors';

export interface ListenSpec {
  /** The text conditions compare with ($SERVER["socket"]): "127.0.0.1:8080", "[::1]:80", "/run/x.sock". */
  readonly key: string;
  /** null for a unix socket. */
  readonly host: string | null;
  readonly port: number;
  /** the unix socket path, or null. */
  readonly path: string | null;
}

/** Parses "host:port", ":port", "[v6]:port" or "/path" (host defaults to `defaultHost`). */
export function parseSocketSpec(spec: string, defaultHost: string, defaultPort: number): ListenSpec {
  if (spec.startsWith('/')) return { key: spec, host: null, port: 0, path: spec };
  let host: string;
  let portText: string;
  if (spec.startsWith('[')) {
    const close = spec.indexOf(']');
    if (close === -1) throw serveErrors.socketSpec(spec);
    host = spec.slice(1, close);
    portText = spec.slice(close + 1).replace(/^:/, '');
  } else {
    const colon = spec.lastIndexOf(':');
    host = colon === -1 ? spec : spec.slice(0, colon);
    portText = colon === -1 ? '' : spec.slice(colon + 1);
  }
  if (host === '') host = defaultHost;
  const port = portText === '' ? defaultPort : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw serveErrors.socketSpec(spec);
  return { key: spec, host, port, path: null };
}

/** The global socket first, then one per $SERVER["socket"] == block (duplicates dropped). */
export function listenSpecs(tree: ConfigTree): ListenSpec[] {
  const g = tree.global.directives;
  const bindV = g.get('server.bind')?.value;
  const portV = g.get('server.port')?.value;
  const bind = bindV?.type === 'string' ? bindV.value : '0.0.0.0';
  const port = portV?.type === 'integer' ? portV.value : portV?.type === 'string' ? Number(portV.value) : 80;
  const specs: ListenSpec[] = [];
  if (bind.startsWith('/')) specs.push({ key: bind, host: null, port: 0, path: bind });
  else {
    const host = bind.startsWith('[') && bind.endsWith(']') ? bind.slice(1, -1) : bind;
    specs.push({ key: `${bind}:${port}`, host, port, path: null });
  }
  for (const c of tree.conditionals) {
    const cond = c.condition;
    if (cond === null || cond.subject.kind !== 'server-socket' || cond.operator !== '==') continue;
    const spec = parseSocketSpec(cond.pattern, '0.0.0.0', port);
    if (!specs.some((s) => s.key === spec.key)) specs.push(spec);
  }
  return specs;
}
