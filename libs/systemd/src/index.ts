// Public surface of @libs/systemd.
export {};
