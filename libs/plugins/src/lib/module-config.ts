// A module's directives compiled at start-up: defaults from the global context plus one patch per
// conditional block that sets any of them (lighttpd's config_plugin_values_init cvlist); per
// request only the patches of matching blocks are applied, in file order, over the defaults.
import type { ServiceLog } from '@libs/log';
import type { ConfigTreeLike, ConfigContextLike, RequestConditions } from './conditions';
import { convertDirective, type ConfigValueLike, type DirectiveSpec } from './directives';
import { pluginsErrDirectiveScope } from './errors';

export type ConfigSnapshot = Readonly<Record<string, unknown>>;

interface Patch {
  readonly context: number;
  readonly values: ConfigSnapshot;
}

export interface CompileOptions<C> {
  /** Tells whether a condition is $SERVER["socket"] (for directives of socket scope). */
  readonly isSocketCondition?: (condition: C) => boolean;
  readonly log?: ServiceLog;
}

/**
 * T: the module's view of its snapshot, keyed by directive name (`{ 'expire.url': ... }`), so request
 * code reads typed values; see typed().
 */
export class ModuleConfig<T extends object = ConfigSnapshot> {
  private constructor(
    /** Global values over the declared defaults: the snapshot when no block matches. */
    readonly defaults: Readonly<T>,
    private readonly patches: readonly Patch[],
  ) {}

  /**
   * This config as the module that declared the directives reads it: the one place where the
   * directive table (checked and converted at start-up, defaults and `parse` included) is taken
   * for the type it produces, so modules do not cast per request.
   */
  typed<U extends object>(): ModuleConfig<U> {
    return this as unknown as ModuleConfig<U>;
  }

  /** Number of blocks that set one of this module's directives. */
  get patchCount(): number {
    return this.patches.length;
  }

  /** The config this request sees; cached on the request's condition state. */
  snapshot<C, R>(conds: RequestConditions<C, R>): Readonly<T> {
    const cached = conds.snapshots.get(this);
    if (cached !== undefined) return cached as Readonly<T>;
    let out: Record<string, unknown> | null = null;
    for (const p of this.patches) {
      if (!conds.matches(p.context)) continue;
      out ??= { ...this.defaults };
      Object.assign(out, p.values);
    }
    const snap = (out ?? this.defaults) as Readonly<T>;
    conds.snapshots.set(this, snap);
    return snap;
  }

  static compile<C>(specs: readonly DirectiveSpec[], tree: ConfigTreeLike<C>, options: CompileOptions<C> = {}): ModuleConfig {
    const defaults: Record<string, unknown> = {};
    for (const s of specs) if (s.default !== undefined) defaults[s.key] = s.default;
    const patches: Patch[] = [];
    for (const ctx of tree.contexts) {
      const values = parseContext(specs, ctx, tree, options);
      if (values === null) continue;
      if (ctx.parent === null) Object.assign(defaults, values);
      else patches.push({ context: ctx.index, values: Object.freeze(values) });
    }
    return new ModuleConfig<ConfigSnapshot>(Object.freeze(defaults), patches);
  }
}

function parseContext<C>(specs: readonly DirectiveSpec[], ctx: ConfigContextLike<C>, tree: ConfigTreeLike<C>, options: CompileOptions<C>): Record<string, unknown> | null {
  let values: Record<string, unknown> | null = null;
  for (const spec of specs) {
    const d = ctx.directives.get(spec.key);
    if (d === undefined) continue;
    const where = `${d.file}:${d.line}`;
    if (ctx.parent !== null) checkScope(spec, ctx, tree, options, where);
    const typed = convertDirective(spec, d.value as ConfigValueLike, where);
    values ??= {};
    values[spec.key] = spec.parse === undefined ? typed : spec.parse(typed, where);
  }
  return values;
}

function checkScope<C>(spec: DirectiveSpec, ctx: ConfigContextLike<C>, tree: ConfigTreeLike<C>, options: CompileOptions<C>, where: string): void {
  if (spec.scope === 'server') {
    options.log?.warn(`DEPRECATED: do not set server options in conditionals, variable: ${spec.key} (${where})`);
    return;
  }
  if (spec.scope !== 'socket') return;
  // every enclosing block must be a $SERVER["socket"] condition
  const isSocket = options.isSocketCondition ?? (() => false);
  for (let c: ConfigContextLike<C> | undefined = ctx; c !== undefined && c.parent !== null; c = tree.contexts[c.parent]) {
    if (c.condition === null || !isSocket(c.condition)) throw pluginsErrDirectiveScope(spec.key, 'is valid only in global scope or a $SERVER["socket"] condition', where);
  }
}
