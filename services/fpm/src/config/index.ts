// The php-fpm.conf loader's surface inside services/fpm.
export { loadConfig, STDERR_LOG_NAMES, type LoadOptions } from './load-config';
export { dumpConfig } from './dump-config';
export type { ConfigMessage, FpmConfig, GlobalConfig, LogLevel, PmStyle, PoolConfig } from './types';
