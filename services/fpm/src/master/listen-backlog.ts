// listen.backlog as php-fpm hands it to listen(2) (fpm_sockets.c): a negative value, the default
// -1, is the kernel's maximum. Node only takes a non-negative backlog for an inherited fd (and
// makes 0 into 511), so the maximum is read where the kernel keeps it.
import fs from 'node:fs';

/** Linux's net.core.somaxconn default since 5.4, should /proc not say. */
const DEFAULT_SOMAXCONN = 4096;

export function listenBacklog(configured: number): number {
  if (configured >= 0) return configured;
  try {
    return Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()) || DEFAULT_SOMAXCONN;
  } catch {
    return DEFAULT_SOMAXCONN;
  }
}
