// The status page's "listen queue" / "listen queue len" for TCP pools. php-fpm reads them with
// getsockopt(TCP_INFO) (fpm_socket_get_listening_queue, Linux only, AF_INET only); Node has no
// getsockopt, so the same two numbers are read from /proc/net/tcp{,6}, where a LISTEN socket's
// rx_queue is its current accept-queue length and tx_queue its backlog. Unix sockets report 0, as
// in php-fpm.
import fs from 'node:fs';

export interface ListenQueue {
  readonly current: number;
  readonly max: number;
}

const LISTEN_STATE = '0A';

export function readListenQueue(port: number, procFiles: readonly string[] = ['/proc/net/tcp', '/proc/net/tcp6']): ListenQueue {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let current = 0;
  let max = 0;
  for (const file of procFiles) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      // sl local_address rem_address st tx_queue:rx_queue ...
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (fields[3] !== LISTEN_STATE || local === undefined || !local.endsWith(`:${portHex}`)) continue;
      const [tx = '0', rx = '0'] = (fields[4] ?? '').split(':');
      current += parseInt(rx, 16) || 0;
      max = Math.max(max, parseInt(tx, 16) || 0);
    }
  }
  return { current, max };
}
