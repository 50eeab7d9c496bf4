// Test helper: a TCP port the kernel just handed out on 127.0.0.1, for peers and configs that
// cannot listen on port 0 and report the port back (lighttpd, php-fpm pools, nginx).
import net from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
