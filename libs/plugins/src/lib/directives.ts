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

/** A value converted to its directive's type, or what is wrong with it (to follow the key's name). */
export type CheckedValue = { readonly ok: true; readonly value: TypedValue; readonly warning?: string } | { readonly ok: false; readonly detail: string };

const BOOL_TRUE = new Set(['enable', 'true']);
const BOOL_FALSE = new Set(['disable', 'false']);

function numeric(v: ConfigValueLike, max: number): CheckedValue {
  let n: number;
  if (v.type === 'integer') n = v.value;
  else if (v.type === 'string' && /^[+-]?\d+$/.test(v.value.trim()) && v.value.trim() === v.value) n = Number(v.value);
  else return { ok: false, detail: 'is not a number' };
  if (n < 0 || n > max) return { ok: false, detail: `is out of range (0 ... ${max})` };
  return { ok: true, value: n };
}

/**
 * T_CONFIG_SHORT (configfile-glue.c): lighttpd casts an integer to unsigned short without a word,
 * so `server.max-keep-alive-requests = 100000` starts with 34464; we take the same value and say
 * so. A string is range-checked ("got a string but expected a short").
 */
function short(v: ConfigValueLike, key: string): CheckedValue {
  if (v.type !== 'integer' || v.value <= 65535) return numeric(v, 65535);
  const value = v.value & 0xffff;
  return { ok: true, value, warning: `${key} = ${v.value} is out of range (0 ... 65535); taken as ${value} (its low 16 bits, as lighttpd does)` };
}

const example = (key: string, sample: string): string => `like ${key} = ${sample}`;

/**
 * The one conversion of a config value to a directive's type (lighttpd configfile-glue.c
 * config_plugin_values_init): the config check (-t, start-up) and the modules' compiled snapshots
 * both use it, so they accept and refuse the same values with the same words.
 */
export function checkDirectiveValue(type: DirectiveType, key: string, v: ConfigValueLike): CheckedValue {
  switch (type) {
    case 'string':
      return v.type === 'string' ? { ok: true, value: v.value } : { ok: false, detail: `is not a string (${example(key, '"..."')})` };
    case 'short':
      return short(v, key);
    case 'int':
      return numeric(v, 4294967295);
    case 'boolean': {
      if (v.type === 'integer') return { ok: true, value: v.value !== 0 };
      if (v.type === 'string') {
        const s = v.value.toLowerCase();
        if (BOOL_TRUE.has(s)) return { ok: true, value: true };
        if (BOOL_FALSE.has(s)) return { ok: true, value: false };
      }
      return { ok: false, detail: 'is not a boolean (expected "enable" or "disable")' };
    }
    case 'array':
      return v.type === 'array' ? { ok: true, value: v } : { ok: false, detail: `is not a list (${example(key, '( "..." )')})` };
    case 'array-string':
      if (v.type === 'array' && v.items.every((i) => i.key === null && i.value.type === 'string')) {
        return { ok: true, value: Object.freeze(v.items.map((i) => (i.value as { value: string }).value)) };
      }
      return { ok: false, detail: `is not a list of strings (${example(key, '( "...", "..." )')})` };
    case 'array-kv-string':
      if (v.type === 'array' && v.items.every((i) => i.key !== null && i.value.type === 'string')) {
        return {
          ok: true,
          value: Object.freeze(v.items.map((i) => Object.freeze([i.key as string, (i.value as { value: string }).value] as const))),
        };
      }
      return { ok: false, detail: `is not a list of key => string values (${example(key, '( "..." => "...", "..." => "..." )')})` };
    case 'array-kv-any':
      if (v.type === 'array' && v.items.every((i) => i.key !== null)) return { ok: true, value: v };
      return { ok: false, detail: `is not a list of key => value entries (${example(key, '( "..." => ... )')})` };
    case 'array-kv-array':
      if (v.type === 'array' && v.items.every((i) => i.key !== null && i.value.type === 'array')) return { ok: true, value: v };
      return { ok: false, detail: `is not a list of key => ( ... ) entries (${example(key, '( "..." => ( ... ) )')})` };
  }
}

/** Checks one value against its declared type and returns the frozen plain value (throws the catalogued error). */
export function convertDirective(spec: DirectiveSpec, v: ConfigValueLike, where: string): TypedValue {
  const r = checkDirectiveValue(spec.type, spec.key, v);
  if (!r.ok) throw pluginsErrDirectiveType(spec.key, r.detail, where);
  return r.value;
}
