// Public surface of @libs/plugins.
export {};
