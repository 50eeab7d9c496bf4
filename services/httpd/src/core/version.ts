// The version httpd-ts reports (-v, server.tag's default).
export const VERSION = '0.1.0';
