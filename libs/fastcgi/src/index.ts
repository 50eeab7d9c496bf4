// Public surface of @libs/fastcgi.
export {};
