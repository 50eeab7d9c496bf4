// Real-directory tests of the physical-path resolver: encoded dots and slashes, backslashes and
// symlinks pointing out of the document root, with server.follow-symlink enabled and disabled.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePhysicalPath, type LstatFn } from '../src/url/physical-path';
import { parseRequestPath } from '../src/url/request-path';

const lstat: LstatFn = async (p) => {
  try {
    return await fs.promises.lstat(p);
  } catch {
    return undefined;
  }
};

describe('resolvePhysicalPath on a real tree', () => {
  let base = '';
  let docroot = '';

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-url-'));
    docroot = path.join(base, 'www');
    fs.mkdirSync(path.join(docroot, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(docroot, 'sub', 'a.txt'), 'inside');
    fs.writeFileSync(path.join(base, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(base, 'secret.txt'), path.join(docroot, 'leak'));
    fs.symlinkSync(base, path.join(docroot, 'up'));
    fs.writeFileSync(path.join(docroot, 'sub\\b.txt'), 'backslash');
  });

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  async function read(uri: string, followSymlink: boolean): Promise<string> {
    const p = await resolvePhysicalPath(docroot, parseRequestPath(uri).path, { followSymlink, lstat });
    return fs.readFileSync(p, 'utf8');
  }

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/sub/%2E%2E/%2e%2e/secret.txt', '/sub%2f..%2f..%2fsecret.txt', '//..//secret.txt'])(
    'keeps %s inside the document root',
    async (uri) => {
      const p = await resolvePhysicalPath(docroot, parseRequestPath(uri).path, { followSymlink: true });
      expect(p).toBe(path.join(docroot, 'secret.txt'));
      expect(fs.existsSync(p)).toBe(false);
    },
  );

  it('serves encoded paths that stay inside', async () => {
    expect(await read('/sub/%2e%2e/sub/a.txt', false)).toBe('inside');
    expect(await read('/sub%2fa.txt', false)).toBe('inside');
  });

  it('treats a backslash as an ordinary byte (lighttpd on POSIX), not as a separator', async () => {
    expect(await read('/sub%5cb.txt', false)).toBe('backslash');
    expect(await read('/sub\\b.txt', false)).toBe('backslash');
    await expect(read('/sub\\..\\..\\secret.txt', true)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('follows a symlink out of the root when server.follow-symlink is enabled', async () => {
    expect(await read('/leak', true)).toBe('outside');
    expect(await read('/up/secret.txt', true)).toBe('outside');
  });

  it('refuses symlinked components with 403 when server.follow-symlink is disabled', async () => {
    await expect(read('/leak', false)).rejects.toMatchObject({ code: 'HTTPD_ERR_FORBIDDEN', status: 403 });
    await expect(read('/up/secret.txt', false)).rejects.toMatchObject({ code: 'HTTPD_ERR_FORBIDDEN', status: 403 });
    await expect(read('/sub/../up/www/sub/a.txt', false)).rejects.toMatchObject({ status: 403 });
  });

  it('lets a missing path through for the caller to answer 404', async () => {
    const p = await resolvePhysicalPath(docroot, '/nope/deeper', { followSymlink: false, lstat });
    expect(p).toBe(path.join(docroot, 'nope', 'deeper'));
  });
});
