// convertDirective for T_CONFIG_SHORT: lighttpd 1.4.69 configfile-glue.c casts an integer to
// unsigned short, and range-checks a string.
import { convertDirective, type DirectiveSpec } from './directives';

const short: DirectiveSpec = { key: 'demo.short', type: 'short', scope: 'connection' };

test('a short takes an integer beyond 65535 by its low 16 bits and refuses such a string', () => {
  expect(convertDirective(short, { type: 'integer', value: 65535 }, 'test.conf:1')).toBe(65535);
  expect(convertDirective(short, { type: 'integer', value: 100000 }, 'test.conf:1')).toBe(34464);
  expect(convertDirective(short, { type: 'integer', value: 65538 }, 'test.conf:1')).toBe(2);
  expect(() => convertDirective(short, { type: 'string', value: '100000' }, 'test.conf:1')).toThrow(
    expect.objectContaining({ code: 'PLUGINS_ERR_DIRECTIVE_TYPE' }),
  );
});
