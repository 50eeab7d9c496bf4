// The master's part of fpm-ts's error catalogue (sockets, users, logs, pid file), worded as
// php-fpm's fpm_sockets.c / fpm_unix.c / fpm_stdio.c word the same failures.
import { FpmError } from '../errors';

export const masterErrors = {
  /** A `listen` value that names no address. */
  listen: (pool: string, address: string, reason: string): FpmError =>
    new FpmError('FPM_ERR_POOL_LISTEN', `[pool ${pool}] unable to bind listening socket for address '${address}': ${reason}`),
  /** php-fpm's fpm_sockets.c: "unable to bind listening socket for address '%s'" and strerror, no pool name. */
  bind: (address: string, reason: string): FpmError =>
    new FpmError('FPM_ERR_POOL_LISTEN', `unable to bind listening socket for address '${address}': ${reason}`),
  /** php-fpm: "[pool %s] cannot get uid for user '%s'". */
  unknownUser: (pool: string, user: string): FpmError =>
    new FpmError('FPM_ERR_POOL_USER', `[pool ${pool}] cannot get uid for user '${user}'`),
  /** php-fpm: "[pool %s] cannot get gid for group '%s'". */
  unknownGroup: (pool: string, group: string): FpmError =>
    new FpmError('FPM_ERR_POOL_GROUP', `[pool ${pool}] cannot get gid for group '${group}'`),
} as const;
