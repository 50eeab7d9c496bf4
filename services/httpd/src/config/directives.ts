// Typed directive descriptors and their validation: lighttpd's config_plugin_keys_t tables and
// configfile-glue.c config_plugin_values_init(), kept apart from parsing so modules register their own.
import type { DirectiveType as PluginDirectiveType } from '@libs/plugins';
import { typeError, type ConfigError } from './errors';
import type { ConfigContext, ConfigTree, Directive } from './tree';
import type { ConfigArray, ConfigValue } from './values';

/**
 * - short: 0..65535 (T_CONFIG_SHORT; a larger integer keeps its low 16 bits, with a warning),
 *   int: 0..4294967295 (T_CONFIG_INT); a numeric string is accepted for both, as upstream does for
 *   values that come from env.*
 * - boolean: "enable"/"disable"/"true"/"false" (any case) or an integer
 * - array: any list; array-string: a list of strings without keys (T_CONFIG_ARRAY_VLIST);
 *   array-kv-string / array-kv-any / array-kv-array: every element has a key
 * - unsupported / deprecated: the key is known but refused
 */
export type DirectiveType = PluginDirectiveType | 'unsupported' | 'deprecated';

/** server: only meaningful in the global scope; connection: may be set inside conditions. */
export type DirectiveScope = 'server' | 'connection';

export interface DirectiveDescriptor {
  readonly key: string;
  readonly type: DirectiveType;
  readonly scope: DirectiveScope;
}

export interface RegisteredDirective extends DirectiveDescriptor {
  /** `core` or the module name (`mod_dirlisting`) whose table declared the key. */
  readonly owner: string;
}

/** The JavaScript form of a validated value. */
export type TypedValue =
  | string
  | number
  | boolean
  | readonly string[]
  | ReadonlyArray<readonly [string, string]>
  | ConfigArray;

/** A validated value, discriminated by its directive type so readers need no casts. */
export type TypedDirectiveValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'short' | 'int'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'array-string'; readonly value: readonly string[] }
  | { readonly type: 'array-kv-string'; readonly value: ReadonlyArray<readonly [string, string]> }
  | { readonly type: 'array' | 'array-kv-any' | 'array-kv-array'; readonly value: ConfigArray };

export type TypedDirective = TypedDirectiveValue & {
  readonly key: string;
  readonly owner: string;
  readonly file: string;
  readonly line: number;
};

export class DirectiveRegistry {
  private readonly byKey = new Map<string, RegisteredDirective>();
  private readonly byOwner = new Map<string, RegisteredDirective[]>();

  /** Adds a module's (or the core's) table. A key may be declared by one owner only. */
  register(owner: string, table: readonly DirectiveDescriptor[]): this {
    const list = this.byOwner.get(owner) ?? [];
    for (const d of table) {
      const existing = this.byKey.get(d.key);
      if (existing !== undefined && existing.owner !== owner) {
        throw new Error(`directive ${d.key} is already registered by ${existing.owner}`);
      }
      const r: RegisteredDirective = Object.freeze({ ...d, owner });
      this.byKey.set(d.key, r);
      list.push(r);
    }
    this.byOwner.set(owner, list);
    return this;
  }

  get(key: string): RegisteredDirective | undefined {
    return this.byKey.get(key);
  }

  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  table(owner: string): readonly RegisteredDirective[] {
    return this.byOwner.get(owner) ?? [];
  }
}

export interface ValidateOptions {
  /** Owners whose keys count (always `core`, plus the loaded modules); default: every registered owner. */
  readonly owners?: readonly string[];
  /** Report keys nobody claims (lighttpd does this once modules are loaded: -tt and start-up). */
  readonly warnUnknown?: boolean;
}

export interface ValidatedContext {
  readonly index: number;
  readonly values: ReadonlyMap<string, TypedDirective>;
}

export interface ValidationResult {
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly string[];
  /** Per context (same indexes as the tree), the directives that were claimed and valid. */
  readonly contexts: readonly ValidatedContext[];
}

const BOOL_TRUE = new Set(['enable', 'true']);
const BOOL_FALSE = new Set(['disable', 'false']);

type Checked = { ok: true; value: TypedValue; warning?: string } | { ok: false; detail: string };

function numeric(v: ConfigValue, max: number): Checked {
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
function short(v: ConfigValue, key: string): Checked {
  if (v.type !== 'integer' || v.value <= 65535) return numeric(v, 65535);
  const value = v.value & 0xffff;
  return { ok: true, value, warning: `${key} = ${v.value} is out of range (0 ... 65535); taken as ${value} (its low 16 bits, as lighttpd does)` };
}

const example = (key: string, sample: string): string => `like ${key} = ${sample}`;

/** Converts one value to its descriptor's type, or says what is wrong with it. */
export function checkValue(d: DirectiveDescriptor, v: ConfigValue): Checked {
  switch (d.type) {
    case 'string':
      return v.type === 'string' ? { ok: true, value: v.value } : { ok: false, detail: `is not a string (${example(d.key, '"..."')})` };
    case 'short':
      return short(v, d.key);
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
      return v.type === 'array' ? { ok: true, value: v } : { ok: false, detail: `is not a list (${example(d.key, '( "..." )')})` };
    case 'array-string':
      if (v.type === 'array' && v.items.every((i) => i.key === null && i.value.type === 'string')) {
        return { ok: true, value: Object.freeze(v.items.map((i) => (i.value as { value: string }).value)) };
      }
      return { ok: false, detail: `is not a list of strings (${example(d.key, '( "...", "..." )')})` };
    case 'array-kv-string':
      if (v.type === 'array' && v.items.every((i) => i.key !== null && i.value.type === 'string')) {
        return {
          ok: true,
          value: Object.freeze(v.items.map((i) => Object.freeze([i.key as string, (i.value as { value: string }).value] as const))),
        };
      }
      return { ok: false, detail: `is not a list of key => string values (${example(d.key, '( "..." => "...", "..." => "..." )')})` };
    case 'array-kv-any':
      if (v.type === 'array' && v.items.every((i) => i.key !== null)) return { ok: true, value: v };
      return { ok: false, detail: `is not a list of key => value entries (${example(d.key, '( "..." => ... )')})` };
    case 'array-kv-array':
      if (v.type === 'array' && v.items.every((i) => i.key !== null && i.value.type === 'array')) return { ok: true, value: v };
      return { ok: false, detail: `is not a list of key => ( ... ) entries (${example(d.key, '( "..." => ( ... ) )')})` };
    case 'unsupported':
      return { ok: false, detail: 'is not supported' };
    case 'deprecated':
      return { ok: false, detail: 'is deprecated and no longer accepted' };
  }
}

/**
 * Checks every directive of every context against the registry. Keys of owners outside
 * `options.owners` are treated as unknown, so a module's keys only count when it is loaded.
 * Unknown keys are warnings in lighttpd's words; `var.*` is user space and never unknown.
 */
export function validateConfig(tree: ConfigTree, registry: DirectiveRegistry, options: ValidateOptions = {}): ValidationResult {
  const owners = new Set(options.owners ?? registry.owners());
  owners.add('core');
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  const contexts = tree.contexts.map((c: ConfigContext): ValidatedContext => {
    const values = new Map<string, TypedDirective>();
    for (const d of c.directives.values()) {
      const desc = registry.get(d.key);
      if (desc === undefined || !owners.has(desc.owner)) {
        if (options.warnUnknown === true && !d.key.startsWith('var.')) {
          warnings.push(`WARNING: unknown config-key: ${d.key} (ignored)`);
        }
        continue;
      }
      if (desc.scope === 'server' && c.kind !== 'global') {
        warnings.push(`DEPRECATED: do not set server options in conditionals, variable: ${d.key} (${d.file}:${d.line})`);
      }
      const r = checkValue(desc, d.value);
      if (!r.ok) {
        errors.push(typeError(d.key, { file: d.file, line: d.line }, r.detail));
        continue;
      }
      if (r.warning !== undefined) warnings.push(`WARNING: ${r.warning} (${d.file}:${d.line})`);
      values.set(d.key, Object.freeze(typed(desc, d, r.value)));
    }
    return Object.freeze({ index: c.index, values });
  });
  return Object.freeze({ errors: Object.freeze(errors), warnings: Object.freeze(warnings), contexts: Object.freeze(contexts) });
}

function typed(desc: RegisteredDirective, d: Directive, value: TypedValue): TypedDirective {
  // checkValue produced `value` for exactly this descriptor type
  return { key: d.key, owner: desc.owner, type: desc.type, value, file: d.file, line: d.line } as TypedDirective;
}
