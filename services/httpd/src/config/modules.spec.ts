// server.modules as lighttpd 1.4.69 loads it (compat rules from @libs/plugins' compatModuleLoad).
import { effectiveModules } from './modules';
import { parseConfigString } from './parser';

const parse = (text: string) => parseConfigString(text, 'test.conf');

describe('effectiveModules', () => {
  it('drops duplicates and appends mod_staticfile; mod_indexfile/mod_dirlisting only when configured', () => {
    expect(effectiveModules(parse('server.modules = ( "mod_access", "mod_access", "mod_fastcgi" )\n'))).toEqual([
      'mod_access',
      'mod_fastcgi',
      'mod_staticfile',
    ]);
  });

  it('prepends mod_indexfile and appends mod_dirlisting when their options are set anywhere', () => {
    const tree = parse('server.modules = ( "mod_access" )\nindex-file.names = ( "index.html" )\n$HTTP["url"] =^ "/pub/" { dir-listing.activate = "enable" }\n');
    expect(effectiveModules(tree)).toEqual(['mod_indexfile', 'mod_access', 'mod_dirlisting', 'mod_staticfile']);
  });

  it('takes the list as written with server.compat-module-load = "disable"', () => {
    expect(effectiveModules(parse('server.modules = ( "mod_access" )\nserver.compat-module-load = "disable"\n'))).toEqual(['mod_access']);
  });
});
