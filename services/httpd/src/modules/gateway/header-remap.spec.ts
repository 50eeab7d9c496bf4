// White-box tests of proxy.header's maps (lighttpd 1.4.69 mod_proxy.c http_header_remap_*).
import { HeaderRemap } from './header-remap';

const opts = {
  urlpaths: [['/app/', '/'] as const, ['/old/', '/new/'] as const],
  hostsRequest: [['-', 'backend.local'] as const],
  hostsResponse: [['-', '-'] as const],
};

describe('HeaderRemap', () => {
  it('maps the path prefix and the host on the way in', () => {
    const m = new HeaderRemap(opts, 'site.example');
    expect(m.uri('/app/x?y=1', true)).toBe('/x?y=1');
    expect(m.host('SITE.example', true)).toBe('backend.local');
    expect(m.uri('http://site.example/old/z', true)).toBe('http://backend.local/new/z');
  });

  it('maps back on the way out, the prefix used on the way in first', () => {
    const m = new HeaderRemap(opts, 'site.example');
    m.uri('/app/x', true);
    m.host('site.example', true);
    expect(m.uri('http://backend.local/page', false)).toBe('http://site.example/app/page');
    expect(m.uri('http://backend.local', false)).toBe('http://site.example/app/');
    // "/" was the prefix used, so it wins over "/new/" => "/old/"
    expect(m.uri('/new/q', false)).toBe('/app/new/q');
    // without one, the first map in config order whose target matches
    const fresh = new HeaderRemap({ ...opts, urlpaths: [['/old/', '/new/'], ['/app/', '/']] }, 'site.example');
    expect(fresh.uri('/new/q', false)).toBe('/old/q');
    expect(m.setCookie('s=1; Path=/; Domain=.backend.local; Secure')).toBe('s=1; Path=/app/; Domain=.site.example; Secure');
    expect(m.setCookie('s=1; Path="/elsewhere"')).toBe('s=1; Path="/app/elsewhere"');
  });

  it('leaves what no map names alone', () => {
    const m = new HeaderRemap({ urlpaths: [['/a/', '/b/']], hostsRequest: null, hostsResponse: null }, null);
    expect(m.onResponse).toBe(true);
    expect(m.uri('/c/d', true)).toBe('/c/d');
    expect(m.uri('mailto:x', false)).toBe('mailto:x');
    expect(m.setCookie('k=v; HttpOnly')).toBe('k=v; HttpOnly');
  });

  it('https-remap: a remapped authority changes scheme for a request that came over https, nothing else does', () => {
    const m = new HeaderRemap(opts, 'site.example', true);
    expect(m.uri('https://site.example/app/x', true)).toBe('http://backend.local/x');
    expect(m.uri('http://backend.local/page', false)).toBe('https://site.example/app/page');
    // no host entry matched: the scheme stays
    expect(m.uri('http://other.example/page', false)).toBe('http://other.example/app/page');
    // only "https" and "http" exactly, as upstream compares them
    expect(m.uri('HTTP://backend.local/page', false)).toBe('HTTP://site.example/app/page');
    const plain = new HeaderRemap(opts, 'site.example', false);
    plain.host('site.example', true);
    expect(plain.uri('http://backend.local/page', false)).toBe('http://site.example/app/page');
  });
});
