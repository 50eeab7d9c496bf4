// The master: pools, pm, signals, systemd. Filled in by the master issue work.
import type { StartMaster } from '../main';

export const startMaster: StartMaster = async (_config, _args, log) => {
  log.error('the fpm-ts master is not built yet; only --test works');
  return 1;
};
