import fc from 'fast-check';
import { LightRequest, workerRequestClass } from './light-request';

const parts = (url: string, method = 'GET') => ({ method, url, headers: (): [string, string][] => [['user-agent', 'ua'], ['x-a', '1']], body: null });

/** What the native constructor makes of the same URL: its href, or the error's class. */
function nativeUrl(url: string): string {
  try {
    return new Request(url).url;
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

function lightUrl(url: string): string {
  try {
    return LightRequest.from(parts(url)).url;
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

describe('LightRequest', () => {
  it('answers method, url and headers like the native Request and is one', () => {
    const request = LightRequest.from(parts('http://example.com:8080/a/b?c=d'));
    expect(request).toBeInstanceOf(workerRequestClass());
    expect(request).toBeInstanceOf(Request);
    expect(request.method).toBe('GET');
    expect(request.url).toBe('http://example.com:8080/a/b?c=d');
    expect(request.headers.get('user-agent')).toBe('ua');
    expect([...request.headers.keys()]).toEqual(['user-agent', 'x-a']);
    expect(Object.prototype.toString.call(request)).toBe('[object Request]');
  });

  it('gives everything else from a native Request built with the same state', async () => {
    const request = LightRequest.from(parts('http://example.com/'));
    request.headers.set('x-late', 'yes');
    expect(request.cache).toBe('default');
    expect(request.headers.get('x-late')).toBe('yes');
    expect(request.signal.aborted).toBe(false);
    expect(request.clone().url).toBe('http://example.com/');
    expect(await request.text()).toBe('');
  });

  it('reads a body only when asked, from the stream the caller makes', async () => {
    let made = 0;
    const request = LightRequest.from({
      ...parts('http://example.com/upload', 'POST'),
      body: () => {
        made++;
        return new Blob(['payload']).stream();
      },
    });
    expect(made).toBe(0);
    expect(await request.text()).toBe('payload');
    expect(made).toBe(1);
    expect(request.bodyUsed).toBe(true);
  });

  it('leaves unusual methods to the native constructor, with its errors', () => {
    expect(LightRequest.from(parts('http://example.com/', 'patch')).method).toBe('patch');
    expect(() => LightRequest.from(parts('http://example.com/', 'CONNECT'))).toThrow('unsupported');
    expect(() => LightRequest.from(parts('http://exa mple.com/'))).toThrow('Invalid URL');
  });

  it('is taken by the global Request constructor the worker installs', () => {
    const light = LightRequest.from(parts('http://example.com/x'));
    const WorkerRequest = workerRequestClass();
    const copy = new WorkerRequest(light, { method: 'DELETE' });
    expect(copy.url).toBe('http://example.com/x');
    expect(copy.method).toBe('DELETE');
    expect(copy.headers.get('x-a')).toBe('1');
    expect(new Request('http://example.com/')).toBeInstanceOf(WorkerRequest);
  });

  it('has every member of the native Request', () => {
    const light = LightRequest.from(parts('http://example.com/'));
    const native = Object.getOwnPropertyNames(Request.prototype).filter((name) => name !== 'constructor');
    for (const name of native) expect([name, name in light]).toEqual([name, true]);
  });

  it('prints every URL exactly as the native parser does', () => {
    const shapes = [
      'http://example.com/', 'http://EXAMPLE.com/', 'http://example.com:80/', 'https://example.com:443/x', 'http://example.com:080/',
      'http://example.com:65536/', 'http://127.0.0.1/', 'http://0x7f.1/', 'http://1.2.3/', 'http://a.b.1/', 'http://xn--a.com/',
      'http://a/./b', 'http://a/b/../c', 'http://a/%2e%2E/c', 'http://a/.%2e', 'http://a/b?c=/../d', 'http://a/ b', "http://a/?'",
      'http://a/%zz', 'http://a/a%2eb/', 'http://a-b.c-d/', 'http://-a/', 'http://a..b/', 'http://a./',
    ];
    for (const url of shapes) expect([url, lightUrl(url)]).toEqual([url, nativeUrl(url)]);
    const urlChars = fc.constantFrom(...'aZ09-._~!$&\'()*+,;=:@/?%#2eE .\\"<>^`{|}\u00e9'.split(''));
    const hostChars = fc.constantFrom(...'abcxn0179.-'.split(''));
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        fc.string({ unit: hostChars, minLength: 1, maxLength: 12 }),
        fc.option(fc.integer({ min: 0, max: 70000 }), { nil: undefined }),
        fc.string({ unit: urlChars, maxLength: 24 }),
        (scheme, host, port, path) => {
          const url = `${scheme}://${host}${port === undefined ? '' : `:${port}`}/${path}`;
          expect([url, lightUrl(url)]).toEqual([url, nativeUrl(url)]);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
