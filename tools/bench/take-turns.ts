// The shared-core layouts' measuring order: every site is up at once (an idle one costs nothing),
// each is warmed up, then they take turns for a number of rounds, so the noise of a shared machine
// falls on all alike. A site that fails to start, or fails a round, is reported as its error.
export interface TurnSite {
  /** Stops the site's processes. */
  stop(): Promise<void>;
}

export interface TakeTurnsOptions<S extends TurnSite, R> {
  /** Starts each site, in print order. */
  readonly start: ReadonlyArray<readonly [name: string, start: () => Promise<S>]>;
  warmUp(site: S): void;
  measure(site: S): R;
  readonly rounds: number;
}

export async function takeTurns<S extends TurnSite, R>(options: TakeTurnsOptions<S, R>): Promise<Record<string, R[] | Error>> {
  const sites = new Map<string, S | Error>();
  const results: Record<string, R[] | Error> = {};
  try {
    for (const [name, start] of options.start) sites.set(name, await start().catch((err: Error) => err));
    for (const [name, site] of sites) {
      if (site instanceof Error) results[name] = site;
      else options.warmUp(site);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const [name, site] of sites) {
        const rounds = (results[name] ??= []);
        if (site instanceof Error || rounds instanceof Error) continue;
        try {
          rounds.push(options.measure(site));
        } catch (err) {
          results[name] = err as Error;
        }
      }
    }
    return results;
  } finally {
    for (const site of sites.values()) if (!(site instanceof Error)) await site.stop();
  }
}
