// Per-request evaluation of conditional blocks (lighttpd configfile-glue.c config_check_cond and
// its cond_cache): a block matches when its parent matches, no earlier block of its else-chain
// matched, and its own condition holds. Results are computed lazily and cached per request.

/** One context of the parsed config: index 0 is global; the others are blocks in file order. */
export interface ConfigContextLike<C> {
  readonly index: number;
  /** null for the global context and for a bare `else { }`. */
  readonly condition: C | null;
  readonly parent: number | null;
  /** The previous block of the same else-chain. */
  readonly prev: number | null;
  readonly directives: ReadonlyMap<string, { readonly value: unknown; readonly file: string; readonly line: number }>;
}

export interface ConfigTreeLike<C> {
  readonly contexts: readonly ConfigContextLike<C>[];
}

export interface ConditionMatch {
  readonly matched: boolean;
  /** For a matching regex: %0..%9 for values that refer to captures. */
  readonly captures: readonly string[] | null;
}

/** The service's field lookups: evaluates one condition ($HTTP["host"] == ...) against a request. */
export interface ConditionEvaluator<C, R> {
  evaluate(condition: C, request: R): ConditionMatch;
}

const UNKNOWN = -1;

export class RequestConditions<C, R> {
  private readonly state: Int8Array;
  private readonly captured: (readonly string[] | null)[];
  /** Snapshots already built for this request, per module config. */
  readonly snapshots = new Map<object, unknown>();

  constructor(
    private readonly tree: ConfigTreeLike<C>,
    private readonly evaluator: ConditionEvaluator<C, R>,
    readonly request: R,
  ) {
    this.state = new Int8Array(tree.contexts.length).fill(UNKNOWN);
    this.captured = new Array<readonly string[] | null>(tree.contexts.length).fill(null);
  }

  /** Does the block at `index` apply to this request? */
  matches(index: number): boolean {
    const known = this.state[index];
    if (known !== undefined && known !== UNKNOWN) return known === 1;
    const ctx = this.tree.contexts[index];
    if (ctx === undefined) return false;
    let result = true;
    if (ctx.parent !== null && !this.matches(ctx.parent)) result = false;
    // an else-branch applies only when no earlier branch of its chain did
    for (let p = ctx.prev; result && p !== null; p = this.tree.contexts[p]?.prev ?? null) {
      if (this.matches(p)) result = false;
    }
    if (result && ctx.condition !== null) {
      const m = this.evaluator.evaluate(ctx.condition, this.request);
      result = m.matched;
      this.captured[index] = m.matched ? m.captures : null;
    }
    this.state[index] = result ? 1 : 0;
    return result;
  }

  /** Captures of the block's regex condition when it matched. */
  captures(index: number): readonly string[] | null {
    return this.matches(index) ? (this.captured[index] ?? null) : null;
  }

  /**
   * Forget the results (after a rewrite changed the URL, for one); lighttpd resets its cond_cache
   * items the same way.
   */
  reset(): void {
    this.state.fill(UNKNOWN);
    this.captured.fill(null);
    this.snapshots.clear();
  }
}

/** Built once at start-up from the config tree and the service's evaluator. */
export class ConfigConditions<C, R> {
  constructor(
    readonly tree: ConfigTreeLike<C>,
    private readonly evaluator: ConditionEvaluator<C, R>,
  ) {}

  /** The per-request cache; create one when the request starts. */
  forRequest(request: R): RequestConditions<C, R> {
    return new RequestConditions(this.tree, this.evaluator, request);
  }
}
