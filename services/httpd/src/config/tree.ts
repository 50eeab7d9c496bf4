// The parsed configuration: lighttpd's srv->config_context (configfile.c / data_config.c) as a
// frozen tree: context 0 is the global scope, the others are $HTTP[...]-style blocks in file order.
import type { ConfigValue } from './values';

/** One `key = value` as it stands after all `=`, `:=` and `+=` lines of its block. */
export interface Directive {
  readonly key: string;
  readonly value: ConfigValue;
  /** The file (or include_shell command) and line of the statement that last set it. */
  readonly file: string;
  readonly line: number;
}

export type ConditionOperator = '==' | '!=' | '=~' | '!~' | '=^' | '=$';

/** What a condition looks at in a request; lighttpd maps useragent, referer, cookie, language to headers. */
export type ConditionSubject =
  | { readonly kind: 'url' | 'host' | 'remote-ip' | 'query-string' | 'scheme' | 'request-method' | 'server-socket' }
  | { readonly kind: 'request-header'; readonly name: string };

export interface Condition {
  /** `HTTP`, `REQUEST_HEADER` or `SERVER`, as written after `$`. */
  readonly object: string;
  /** The text inside `["..."]`. */
  readonly tag: string;
  readonly subject: ConditionSubject;
  readonly operator: ConditionOperator;
  /**
   * The right-hand side to compare with: for `=~`/`!~` the regex source (after upstream's
   * simplification); host patterns lower-cased, remote-ip ones normalised (IPv6 without []).
   */
  readonly pattern: string;
  /** Compiled for `=~` and `!~`, null otherwise. */
  readonly regex: RegExp | null;
  /** `$HTTP["url"] =~ "^/a"`, as lighttpd -p prints it. */
  readonly text: string;
}

export interface ConfigContext {
  readonly index: number;
  readonly kind: 'global' | 'condition' | 'else';
  /** null for the global context and for a bare `else { }` (it matches when the chain before it did not). */
  readonly condition: Condition | null;
  /** Enclosing context (0 for top-level blocks); null for the global context. */
  readonly parent: number | null;
  /** The previous block of an `else` chain, and the next one. */
  readonly prev: number | null;
  readonly next: number | null;
  readonly children: readonly number[];
  /** Nearest context (this one or an ancestor) with a `=~` condition: where `%1`..`%9` in values come from. */
  readonly captureContext: number | null;
  readonly directives: ReadonlyMap<string, Directive>;
  readonly file: string;
  readonly line: number;
}

export interface ConfigTree {
  readonly mainFile: string;
  /** Every file read, in order (include_shell commands are not listed). */
  readonly files: readonly string[];
  /** All contexts by index; `contexts[0]` is `global`. */
  readonly contexts: readonly ConfigContext[];
  readonly global: ConfigContext;
  /** `contexts` without the global one, in file order. */
  readonly conditionals: readonly ConfigContext[];
  /** Non-fatal remarks from parsing (identical duplicate array keys). */
  readonly notes: readonly string[];
}
