// Typed directive descriptors and their validation: lighttpd's config_plugin_keys_t tables and
// configfile-glue.c config_plugin_values_init(), kept apart from parsing so modules register their own.
import { checkDirectiveValue, type CheckedValue, type DirectiveType as PluginDirectiveType } from '@libs/plugins';
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

type Checked = CheckedValue;

/** Converts one value to its descriptor's type, or says what is wrong with it. */
export function checkValue(d: DirectiveDescriptor, v: ConfigValue): Checked {
  switch (d.type) {
    case 'unsupported':
      return { ok: false, detail: 'is not supported' };
    case 'deprecated':
      return { ok: false, detail: 'is deprecated and no longer accepted' };
    default:
      // the one converter the modules' compiled snapshots use too (@libs/plugins)
      return checkDirectiveValue(d.type, d.key, v);
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
