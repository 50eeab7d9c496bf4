// User and group names to ids for pool `user`/`group` and `listen.owner`/`listen.group`, as
// php-fpm's fpm_unix.c does with getpwnam()/getgrnam(): Node has no binding for those, and the
// files are what nss "files" reads.
import fs from 'node:fs';

function lookup(file: string, name: string, idField: number): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[idField] !== undefined && /^\d+$/.test(fields[idField])) return Number(fields[idField]);
  }
  return undefined;
}

export const uidOf = (user: string): number | undefined => lookup('/etc/passwd', user, 2);
export const gidOf = (group: string): number | undefined => lookup('/etc/group', group, 2);

/** The primary group of a user (php-fpm's default when only `user` is set). */
export function primaryGidOf(user: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if ((fields[0] === user || fields[2] === user) && fields[3] !== undefined && /^\d+$/.test(fields[3])) return Number(fields[3]);
  }
  return undefined;
}
