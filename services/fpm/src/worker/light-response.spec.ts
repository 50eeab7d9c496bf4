import { LightResponse } from './light-response';
import { nativeFetchClasses } from './native-delegation';

type BodyInit = ConstructorParameters<typeof Response>[0];

const light = (body?: unknown, init?: unknown): Response => new LightResponse(body, init) as unknown as Response;

describe('LightResponse', () => {
  it('is a Response, and native Responses are LightResponses', () => {
    const response = light('hello');
    // The worker's global Response is LightResponse; the native class stays unloaded until needed.
    expect(response).toBeInstanceOf(LightResponse);
    expect(Object.prototype.toString.call(response)).toBe('[object Response]');
    expect(new Response('x')).toBeInstanceOf(LightResponse);
    // Once loaded, the native prototype is behind the light one.
    expect(nativeFetchClasses().Response).toBe(Response);
    expect(response).toBeInstanceOf(Response);
  });

  it('keeps a plain body and init for the worker, once', () => {
    const response = light('hello', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } });
    const plain = LightResponse.takePlain(response);
    expect(plain?.status).toBe(201);
    expect(plain?.statusText).toBe('Made');
    expect(plain?.body).toBe('hello');
    expect([...(plain?.headers?.entries() ?? [])]).toEqual([['content-type', 'text/plain;charset=UTF-8'], ['x-a', '1']]);
    expect(LightResponse.takePlain(response)).toBeNull();
    expect(LightResponse.takePlain(new Response('native'))).toBeNull();
  });

  it('answers like the native Response for every plain body', async () => {
    const bytes = new Uint8Array([104, 105]);
    const cases: [BodyInit | null | undefined, ResponseInit | undefined][] = [
      ['hello', undefined],
      [bytes, { status: 202 }],
      [null, { status: 204 }],
      [undefined, { headers: [['content-type', 'a/b']] }],
    ];
    for (const [body, init] of cases) {
      const ours = light(body, init);
      const theirs = new Response(body, init);
      expect([ours.status, ours.statusText, ours.ok, [...ours.headers]]).toEqual([theirs.status, theirs.statusText, theirs.ok, [...theirs.headers]]);
      expect(await ours.text()).toBe(await theirs.text());
      expect(ours.bodyUsed).toBe(theirs.bodyUsed);
    }
  });

  it('copies bytes, as the native Response does', async () => {
    const bytes = new Uint8Array([65]);
    const response = light(bytes);
    bytes[0] = 66;
    expect(await response.text()).toBe('A');
  });

  it('keeps headers set after construction', async () => {
    const response = light('x');
    response.headers.set('x-late', '1');
    expect(LightResponse.takePlain(response)?.headers?.get('x-late')).toBe('1');
    const read = light('y');
    read.headers.set('x-late', '2');
    expect(read.clone().headers.get('x-late')).toBe('2');
  });

  it('throws the native errors for bad inits and leaves other bodies to the native Response', async () => {
    expect(() => light('x', { status: 99 })).toThrow('must be in the range of 200 to 599');
    expect(() => light('x', { status: 204 })).toThrow('Invalid response status code 204');
    expect(() => light('x', { headers: { 'bad name': 'v' } })).toThrow('is an invalid header name');
    const streamed = light(new Blob(['blob']));
    expect(LightResponse.takePlain(streamed)).toBeNull();
    expect(await streamed.text()).toBe('blob');
  });

  it('has every member of the native Response', () => {
    const native = Object.getOwnPropertyNames(Response.prototype).filter((name) => name !== 'constructor');
    for (const name of native) expect([name, name in LightResponse.prototype]).toEqual([name, true]);
  });

  it('makes Response.json light too', async () => {
    const response = LightResponse.json({ a: 1 }, { status: 201 });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ a: 1 });
    expect(() => LightResponse.json(undefined)).toThrow();
  });
});
