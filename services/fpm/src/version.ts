// The version fpm-ts reports (-v, status pages, sd_notify STATUS).
export const FPM_TS_VERSION = '0.1.0';
