// server.username / server.groupname: once sockets, logs and the pid file are open, a server
// started as root becomes that user, as lighttpd 1.4.69 server.c does (setgid, setgroups /
// initgroups, setuid), refusing to "drop" to uid or gid 0.
import { spawnSync } from 'node:child_process';
import { serveErrors } from './errors';

/** Numeric id of a user or group name (getent answers for every NSS source, not just /etc). */
function lookup(database: 'passwd' | 'group', name: string): { id: number; primaryGid: number } | null {
  const run = spawnSync('getent', [database, name], { encoding: 'utf8' });
  const fields = run.status === 0 ? run.stdout.trim().split(':') : [];
  if (fields.length < 3) return null;
  return { id: Number(fields[2]), primaryGid: Number(fields[3] ?? fields[2]) };
}

// The POSIX credential calls exist on Linux; Node's types mark them optional for other platforms.
const posix = process as NodeJS.Process & {
  setgid(id: number): void;
  setuid(id: number): void;
  setgroups(groups: number[]): void;
  initgroups(user: string, extraGroup: number): void;
};

/** The uid and gid a root process becomes for server.username/server.groupname (null: it stays as it is). */
export function targetIds(username: string, groupname: string): { uid: number | undefined; gid: number | undefined } | null {
  if (process.getuid?.() !== 0 || (username === '' && groupname === '')) return null;
  const user = username === '' ? null : lookup('passwd', username);
  if (username !== '' && user === null) throw serveErrors.startup(`can't find username ${username}`);
  if (user?.id === 0) throw serveErrors.startup("I will not set uid to 0");
  const group = groupname === '' ? null : lookup('group', groupname);
  if (groupname !== '' && group === null) throw serveErrors.startup(`can't find groupname ${groupname}`);
  // Without server.groupname, the user's primary group (lighttpd would keep gid 0 here).
  const gid = group?.id ?? user?.primaryGid;
  if (gid === 0) throw serveErrors.startup("I will not set gid to 0");
  return { uid: user?.id, gid };
}

/** Returns what it did, for the error log; a no-op unless running as root with a user or group set. */
export function dropPrivileges(username: string, groupname: string): string | null {
  const ids = targetIds(username, groupname);
  if (ids === null) return null;
  const { uid, gid } = ids;
  if (gid !== undefined) posix.setgid(gid);
  if (uid !== undefined && gid !== undefined) posix.initgroups(username, gid);
  else posix.setgroups([]);
  if (uid !== undefined) posix.setuid(uid);
  return `dropped privileges to uid ${process.getuid?.()} gid ${process.getgid?.()}`;
}
