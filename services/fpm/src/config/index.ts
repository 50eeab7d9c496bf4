// The php-fpm.conf loader's surface inside services/fpm.
export { loadConfig, type LoadOptions } from './load-config';
export { dumpConfig } from './dump-config';
export type { FpmConfig, GlobalConfig, LogLevel, PmStyle, PoolConfig } from './types';
