// main() in-process with recorded stdout/stderr: flags and exit codes that need no child process,
// and the hooks the serving part will fill (module loader for -tt, serve).
import path from 'node:path';
import { defaultHooks, main } from '../src/main';
import type { CliHooks, ServeContext } from '../src/cli';

const FIXTURES = path.join(__dirname, 'fixtures/conf');

async function run(argv: string[], hooks: CliHooks = defaultHooks, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, hooks, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: () => stdin });
  return { code, stdout, stderr };
}

describe('main()', () => {
  it('reads the config from standard input with -f -', async () => {
    expect(await run(['-t', '-f', '-'], defaultHooks, 'server.document-root = "/srv"\nserver.port = 80\n')).toEqual({
      code: 0,
      stdout: 'Syntax OK\n',
      stderr: '',
    });
  });

  it('needs -f, like lighttpd', async () => {
    const r = await run(['-t']);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('No configuration available. Try using -f option. (HTTPD_ERR_CLI_NO_CONFIG)');
  });

  it('-tt fails on a module it does not know', async () => {
    const r = await run(['-tt', '-f', path.join(FIXTURES, 'unknown-module.conf')]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('unknown module(s) mod_does_not_exist (HTTPD_ERR_MODULE_UNKNOWN)');
  });

  it('-V lists features and -h the flags', async () => {
    const features = await run(['-V']);
    expect(features.code).toBe(0);
    expect(features.stdout).toContain('Features:');
    const help = await run(['-h']);
    expect(help.code).toBe(0);
    for (const flag of ['-f <name>', '-m <name>', '-i <secs>', ' -1 ', ' -p ', ' -t ', ' -tt ', ' -D ', ' -v ', ' -V ', ' -h ']) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('rejects an unknown flag (with the usage) and a bad -i value', async () => {
    const bad = await run(['-x']);
    expect(bad.code).toBe(255);
    expect(bad.stderr).toContain("invalid option -- 'x'");
    expect(bad.stderr).toContain('usage:');
    const idle = await run(['-D', '-i', 'soon', '-f', path.join(FIXTURES, 'basic.conf')]);
    expect(idle.code).toBe(255);
    expect(idle.stderr).toContain('Invalid idle timeout value: soon');
  });

  it('-tt lets a loaded module register its table, so its keys are no longer unknown', async () => {
    const hooks: CliHooks = {
      ...defaultHooks,
      loadModules: async (modules, ctx) => {
        if (modules.includes('mod_example')) {
          ctx.registry.register('mod_example', [{ key: 'foo.bar', type: 'string', scope: 'connection' }]);
        }
        return null;
      },
    };
    const r = await run(['-tt', '-f', path.join(FIXTURES, 'module-key.conf')], hooks);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('hands the parsed and checked config to the serve hook with the flags', async () => {
    let seen: ServeContext | null = null;
    const hooks: CliHooks = {
      ...defaultHooks,
      serve: async (ctx) => {
        seen = ctx;
        return 0;
      },
    };
    const r = await run(['-D', '-i', '30', '-f', path.join(FIXTURES, 'basic.conf')], hooks);
    expect(r.code).toBe(0);
    const ctx = seen as ServeContext | null;
    expect(ctx?.options).toMatchObject({ foreground: true, idleTimeout: 30, test: 0 });
    // lighttpd 1.4.69 config_compat_module_load: mod_dirlisting only when dir-listing.activate is enabled somewhere
    expect(ctx?.modules).toEqual(['mod_indexfile', 'mod_access', 'mod_setenv', 'mod_staticfile']);
    expect(ctx?.validation.contexts[0]?.values.get('server.port')?.value).toBe(8080);
    expect(ctx?.tree.conditionals.length).toBeGreaterThan(3);
  });
});
