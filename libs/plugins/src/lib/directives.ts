// Typed directive tables: lighttpd's config_plugin_keys_t (key, T_CONFIG_* type, T_CONFIG_SCOPE_*)
// and the conversion of config_plugin_values_init() from parsed config values into plain data.
import { pluginsErrDirectiveType } from './errors';

/** Config values as the lighttpd.conf parser produces them (lighttpd's data_string/integer/array). */
export type ConfigValueLike =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'array'; readonly items: readonly { readonly key: string | null; readonly value: ConfigValueLike }[] };

export type ConfigArrayLike = Extract<ConfigValueLike, { type: 'array' }>;

/**
 * short: 0..65535, int: 0..4294967295 (a numeric string is accepted, as upstream does for env.*);
 * boolean: enable/disable/true/false or an integer; array-string: a list of strings without keys;
 * array-kv-string: "k" => "v" pairs in order; array, array-kv-any, array-kv-array: the array as parsed.
 */
export type DirectiveType =
  | 'string'
  | 'short'
  | 'int'
  | 'boolean'
  | 'array'
  | 'array-string'
  | 'array-kv-string'
  | 'array-kv-any'
  | 'array-kv-array';

/** server: global scope only; socket: global or $SERVER["socket"]; connection: any block. */
export type DirectiveScope = 'server' | 'socket' | 'connection';

export interface TypeOfDirective {
  string: string;
  short: number;
  int: number;
  boolean: boolean;
  array: ConfigArrayLike;
  'array-string': readonly string[];
  'array-kv-string': ReadonlyArray<readonly [string, string]>;
  'array-kv-any': ConfigArrayLike;
  'array-kv-array': ConfigArrayLike;
}

export type TypedValue = TypeOfDirective[DirectiveType];

export interface DirectiveSpec<V = unknown> {
  readonly key: string;
  readonly type: DirectiveType;
  readonly scope: DirectiveScope;
  /** The value when no context sets the key. */
  readonly default?: V;
  /**
   * Start-up conversion into frozen data (compile a regex, parse a duration). Throw a catalogued
   * error for a bad value; `where` is "file:line" of the statement.
   */
  readonly parse?: (value: TypedValue, where: string) => V;
}

function isInteger(v: ConfigValueLike, max: number): number | null {
  const n = v.type === 'integer' ? v.value : v.type === 'string' && /^\d+$/.test(v.value) ? Number(v.value) : null;
  return n !== null && n >= 0 && n <= max ? n : null;
}

/** Checks one value against its declared type and returns the frozen plain value. */
export function convertDirective(spec: DirectiveSpec, v: ConfigValueLike, where: string): TypedValue {
  const bad = (expected: string) => pluginsErrDirectiveType(spec.key, expected, where);
  switch (spec.type) {
    case 'string':
      if (v.type !== 'string') throw bad('must be a string');
      return v.value;
    case 'short': {
      // lighttpd casts an integer to unsigned short (configfile-glue.c T_CONFIG_SHORT): 100000 is 34464
      const n = v.type === 'integer' && v.value > 65535 ? v.value & 0xffff : isInteger(v, 65535);
      if (n === null) throw bad('must be a number between 0 and 65535');
      return n;
    }
    case 'int': {
      const n = isInteger(v, 4294967295);
      if (n === null) throw bad('must be a number between 0 and 4294967295');
      return n;
    }
    case 'boolean':
      if (v.type === 'integer') return v.value !== 0;
      if (v.type === 'string' && /^(enable|true)$/i.test(v.value)) return true;
      if (v.type === 'string' && /^(disable|false)$/i.test(v.value)) return false;
      throw bad('must be "enable" or "disable"');
    case 'array-string':
      if (v.type !== 'array' || v.items.some((i) => i.key !== null || i.value.type !== 'string')) throw bad('must be a list of strings');
      return Object.freeze(v.items.map((i) => (i.value as { value: string }).value));
    case 'array-kv-string':
      if (v.type !== 'array' || v.items.some((i) => i.key === null || i.value.type !== 'string')) throw bad('must be a list of "key" => "value" strings');
      return Object.freeze(v.items.map((i) => Object.freeze([i.key as string, (i.value as { value: string }).value] as const)));
    case 'array-kv-any':
    case 'array-kv-array':
      if (v.type !== 'array' || v.items.some((i) => i.key === null || (spec.type === 'array-kv-array' && i.value.type !== 'array'))) {
        throw bad(spec.type === 'array-kv-array' ? 'must be a list of "key" => ( ... )' : 'must be a list of "key" => value');
      }
      return v;
    case 'array':
      if (v.type !== 'array') throw bad('must be an array');
      return v;
  }
}
