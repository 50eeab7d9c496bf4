// OS signals turned into typed intents per service, instead of lighttpd's/php-fpm's global
// `volatile sig_atomic_t` flags (lighttpd server.c signal_handler, php-fpm fpm_signals.c).

/** A service's table: which signal means which intent. */
export type SignalMap = Partial<Record<NodeJS.Signals, string>>;

/** The intents a SignalMap can produce. */
export type IntentOf<M extends SignalMap> = Extract<M[keyof M], string>;

/** httpd-ts, as lighttpd 1.4: SIGTERM immediate stop, SIGINT graceful stop, SIGHUP reopen logs, SIGUSR1 graceful restart. */
export const HTTPD_SIGNAL_INTENTS = {
  SIGTERM: 'immediate-stop',
  SIGINT: 'graceful-stop',
  SIGHUP: 'reopen-logs',
  SIGUSR1: 'graceful-restart',
} as const satisfies SignalMap;

/** fpm-ts, as php-fpm 8.2: SIGINT/SIGTERM fast stop, SIGQUIT graceful stop, SIGUSR1 reopen logs, SIGUSR2 reload. */
export const FPM_SIGNAL_INTENTS = {
  SIGINT: 'fast-stop',
  SIGTERM: 'fast-stop',
  SIGQUIT: 'graceful-stop',
  SIGUSR1: 'reopen-logs',
  SIGUSR2: 'reload',
} as const satisfies SignalMap;

export type HttpdIntent = IntentOf<typeof HTTPD_SIGNAL_INTENTS>;
export type FpmIntent = IntentOf<typeof FPM_SIGNAL_INTENTS>;

export interface SignalEvent<I extends string> {
  readonly intent: I;
  readonly signal: NodeJS.Signals;
  /**
   * How many times this intent has arrived so far, this one included (1 = first). A stop intent
   * arriving with occurrence > 1 means the operator asked again: callers escalate on it.
   */
  readonly occurrence: number;
}

export type SignalListener<I extends string> = (event: SignalEvent<I>) => void;

export interface SignalEvents<I extends string> {
  /** Every intent; returns a function that unsubscribes. */
  on(listener: SignalListener<I>): () => void;
  /** One intent only; returns a function that unsubscribes. */
  on<K extends I>(intent: K, listener: SignalListener<K>): () => void;
  /** How many times an intent has arrived since creation. */
  count(intent: I): number;
  /** Removes the process signal handlers: the signals get Node's default behaviour back. */
  dispose(): void;
}

interface Subscription<I extends string> {
  readonly intent: I | undefined;
  readonly listener: SignalListener<I>;
}

/**
 * Installs one handler per signal of `map`. From then on those signals no longer kill the process
 * by default: a signal with no subscriber is counted and otherwise ignored.
 */
export function createSignalEvents<M extends SignalMap>(map: M): SignalEvents<IntentOf<M>> {
  type I = IntentOf<M>;
  const counts = new Map<I, number>();
  let subscriptions: readonly Subscription<I>[] = [];
  const handlers: [NodeJS.Signals, () => void][] = [];

  for (const [signal, intent] of Object.entries(map) as [NodeJS.Signals, I | undefined][]) {
    if (intent === undefined) continue;
    const handler = (): void => {
      const occurrence = (counts.get(intent) ?? 0) + 1;
      counts.set(intent, occurrence);
      const event: SignalEvent<I> = { intent, signal, occurrence };
      for (const sub of subscriptions) {
        if (sub.intent === undefined || sub.intent === intent) sub.listener(event);
      }
    };
    process.on(signal, handler);
    handlers.push([signal, handler]);
  }

  function on(first: I | SignalListener<I>, second?: SignalListener<I>): () => void {
    const sub: Subscription<I> =
      typeof first === 'function' ? { intent: undefined, listener: first } : { intent: first, listener: second as SignalListener<I> };
    subscriptions = [...subscriptions, sub];
    return () => {
      subscriptions = subscriptions.filter((s) => s !== sub);
    };
  }

  return {
    on: on as SignalEvents<I>['on'],
    count: (intent) => counts.get(intent) ?? 0,
    dispose() {
      for (const [signal, handler] of handlers.splice(0)) process.off(signal, handler);
      subscriptions = [];
    },
  };
}
