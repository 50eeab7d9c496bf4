// Public surface of @libs/log.
export type { ServiceLog } from './lib/service-log';
