// Test helper: a command prefix (unshare(1), a private mount namespace) under which a process sees
// its own /dev holding only null and a log symlink to a socket the test bound, so what it sends
// to /dev/log reaches the test. Needs root, as the systemd tests do.
import fs from 'node:fs';
import path from 'node:path';

/** `dir` gets a dev/ directory; the returned argv runs the command line appended to it. */
export function privateDevLog(dir: string, socketPath: string): string[] {
  const dev = path.join(dir, 'dev');
  fs.mkdirSync(dev);
  fs.writeFileSync(path.join(dev, 'null'), '');
  // systemd's /dev/log is a symlink too (to /run/systemd/journal/dev-log).
  fs.symlinkSync(socketPath, path.join(dev, 'log'));
  const script = `mount --bind /dev/null '${dev}/null' && mount --bind '${dev}' /dev && exec "$@"`;
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh'];
}
