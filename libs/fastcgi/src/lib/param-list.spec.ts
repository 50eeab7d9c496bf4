import { encodeNameValuePairs, NameValueDecoder } from './name-value';
import { ParamList } from './param-list';

function listOf(pairs: Array<[string, string]>): ParamList {
  const list = new ParamList();
  for (const [name, value] of pairs) list.add(name, value);
  return list;
}

describe('ParamList', () => {
  it('answers lookups like a Map filled in arrival order', () => {
    const params = listOf([
      ['SCRIPT_FILENAME', '/srv/a.js'],
      ['REQUEST_METHOD', 'GET'],
      ['EMPTY', ''],
    ]);
    expect(params.get('REQUEST_METHOD')).toBe('GET');
    expect(params.get('EMPTY')).toBe('');
    expect(params.get('MISSING')).toBeUndefined();
    expect(params.has('EMPTY')).toBe(true);
    expect(params.has('MISSING')).toBe(false);
    expect(params.size).toBe(3);
    expect([...params]).toEqual([...new Map(params)]);
  });

  it('keeps the last value of a name sent twice, at its first position, as Map.set does', () => {
    const pairs: Array<[string, string]> = [
      ['A', '1'],
      ['B', '2'],
      ['A', '3'],
    ];
    const params = listOf(pairs);
    const map = new Map(pairs);
    expect(params.get('A')).toBe('3');
    expect(params.size).toBe(2);
    expect([...params.entries()]).toEqual([...map.entries()]);
    expect([...params.keys()]).toEqual(['A', 'B']);
    expect([...params.values()]).toEqual(['3', '2']);
    const seen: string[] = [];
    params.forEach((value, name, owner) => {
      expect(owner).toBe(params);
      seen.push(`${name}=${value}`);
    });
    expect(seen).toEqual(['A=3', 'B=2']);
  });

  it('finds a name that is an equal string but not the same one', () => {
    const params = listOf([['HTTP_HOST', 'example.org']]);
    const name = ['HTTP', 'HOST'].join('_');
    expect(params.get(name)).toBe('example.org');
  });

  it('sees pairs added after it was enumerated', () => {
    const params = listOf([['A', '1']]);
    expect(params.size).toBe(1);
    params.add('B', '2');
    expect(params.size).toBe(2);
    expect(params.get('B')).toBe('2');
  });

  it('keeps the bytes of a value that is not ASCII, one char each, for header values', () => {
    const list = new ParamList();
    const decoder = new NameValueDecoder((name, value, latin1) => list.add(name, value, latin1));
    const cookie = Buffer.from('a=caf\xe9', 'latin1');
    decoder.push(encodeNameValuePairs([['HTTP_X_NAME', Buffer.from('日本')], ['HTTP_COOKIE', cookie], ['PLAIN', 'ascii']]));
    expect(list.get('HTTP_X_NAME')).toBe('日本');
    expect(list.getLatin1('HTTP_X_NAME')).toBe(Buffer.from('日本').toString('latin1'));
    expect(list.getLatin1('HTTP_COOKIE')).toBe('a=caf\xe9');
    expect(list.getLatin1('PLAIN')).toBe('ascii');
    expect(list.getLatin1('MISSING')).toBeUndefined();
    // A later ASCII duplicate wins, bytes and all.
    list.add('HTTP_COOKIE', 'b=1');
    expect(list.getLatin1('HTTP_COOKIE')).toBe('b=1');
  });
});
