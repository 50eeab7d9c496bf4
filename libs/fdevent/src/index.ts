// Public surface of @libs/fdevent.
export {};
