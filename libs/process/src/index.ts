// Public surface of @libs/process.
export {};
