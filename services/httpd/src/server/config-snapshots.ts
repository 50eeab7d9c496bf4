// Per-request config snapshots: lighttpd's config_cond_cache / config_patch_config (configfile-glue.c,
// configfile.c): every conditional block is tested against the request in file order (nested blocks
// only when their parent matched, else-chains only while nothing before them matched) and the values
// of the matching blocks are laid over the global ones. Snapshots are built once per distinct set of
// matching blocks and reused.
import { evaluateCondition, type ConfigContext, type ConfigTree, type TypedValue, type ValidationResult } from '../config';
import { buildRequestConfig, type RequestConfig } from './request-config';

/** What conditions look at, for one request (lighttpd's r->uri, r->con->dst_addr, headers). */
export interface ConditionInput {
  /** r->uri.authority: the lower-cased Host. */
  readonly host: string;
  /** r->uri.path: decoded and simplified. */
  readonly url: string;
  readonly queryString: string;
  readonly remoteIp: string;
  readonly scheme: string;
  readonly requestMethod: string;
  /** the listening socket's config key ("127.0.0.1:8080", "/run/x.sock"). */
  readonly serverSocket: string;
  /** a request header's value by lower-case name (undefined when absent). */
  header(name: string): string | undefined;
}

/** Decides whether one conditional block applies to a request (plugins may supply their own). */
export interface ConditionEvaluator {
  matches(ctx: ConfigContext, input: ConditionInput): boolean;
}

function subjectValue(ctx: ConfigContext, input: ConditionInput): string | undefined {
  const c = ctx.condition;
  if (c === null) return undefined;
  switch (c.subject.kind) {
    case 'url':
      return input.url;
    case 'host':
      return input.host;
    case 'remote-ip':
      return input.remoteIp;
    case 'query-string':
      return input.queryString;
    case 'scheme':
      return input.scheme;
    case 'request-method':
      return input.requestMethod;
    case 'server-socket':
      return input.serverSocket;
    case 'request-header':
      return input.header(c.subject.name.toLowerCase());
  }
}

export const defaultConditionEvaluator: ConditionEvaluator = {
  matches(ctx, input) {
    if (ctx.condition === null) return true;
    return evaluateCondition(ctx.condition, subjectValue(ctx, input)).matched;
  },
};

export class ConfigSnapshots {
  /** The snapshot of the global scope (what a request gets when no block matches). */
  readonly global: RequestConfig;
  readonly hasConditions: boolean;
  private readonly cache = new Map<string, RequestConfig>();
  private readonly contexts: readonly ConfigContext[];
  private readonly values: ReadonlyArray<ReadonlyMap<string, TypedValue>>;
  private readonly matched: Uint8Array;
  private readonly chainMatched: Uint8Array;

  constructor(
    tree: ConfigTree,
    validation: ValidationResult,
    private readonly evaluator: ConditionEvaluator = defaultConditionEvaluator,
  ) {
    this.contexts = tree.contexts;
    this.values = validation.contexts.map((c) => {
      const m = new Map<string, TypedValue>();
      for (const [k, d] of c.values) m.set(k, d.value);
      return m;
    });
    this.global = buildRequestConfig(this.values[0] ?? new Map());
    this.hasConditions = tree.contexts.length > 1;
    this.matched = new Uint8Array(tree.contexts.length);
    this.chainMatched = new Uint8Array(tree.contexts.length);
  }

  /** Server-scope values of the global context (server.port, server.bind, ...). */
  globalValue(key: string): TypedValue | undefined {
    return this.values[0]?.get(key);
  }

  /** The snapshot for a request. */
  select(input: ConditionInput): RequestConfig {
    if (!this.hasConditions) return this.global;
    const ctxs = this.contexts;
    const matched = this.matched;
    const chain = this.chainMatched;
    matched[0] = 1;
    let key = '';
    for (let i = 1; i < ctxs.length; i++) {
      const c = ctxs[i] as ConfigContext;
      const parentOk = c.parent === null || matched[c.parent] === 1;
      const prevChain = c.prev !== null && chain[c.prev] === 1;
      const m = parentOk && !prevChain && this.evaluator.matches(c, input);
      matched[i] = m ? 1 : 0;
      chain[i] = m || prevChain ? 1 : 0;
      if (m) key += i + ',';
    }
    if (key === '') return this.global;
    let snap = this.cache.get(key);
    if (snap === undefined) {
      const merged = new Map(this.values[0]);
      for (let i = 1; i < ctxs.length; i++) {
        if (matched[i] !== 1) continue;
        for (const [k, v] of this.values[i] ?? []) merged.set(k, v);
      }
      snap = buildRequestConfig(merged);
      this.cache.set(key, snap);
    }
    return snap;
  }
}
