// Public surface of @libs/log.
export {};
