// The status URL's OpenMetrics form ("?openmetrics", an httpd-ts addition: lighttpd 1.4.69 has
// none) for Prometheus: the same totals as "?auto", in the OpenMetrics 1.0.0 text exposition
// format (families with # TYPE / # UNIT / # HELP, counters as <name>_total, ending with # EOF).
import { ALL_STATES, KEEP_ALIVE, stateName } from './status-counters';
import type { StatusTotals } from './status-totals';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly unit?: string;
  readonly help: string;
  /** [label set ('' for none), value] */
  readonly samples: ReadonlyArray<readonly [string, number]>;
}

function family(f: Family): string {
  let out = `# TYPE ${f.name} ${f.type}\n`;
  if (f.unit !== undefined) out += `# UNIT ${f.name} ${f.unit}\n`;
  out += `# HELP ${f.name} ${f.help}\n`;
  const sample = f.type === 'counter' ? `${f.name}_total` : f.name;
  for (const [labels, value] of f.samples) out += `${sample}${labels} ${value}\n`;
  return out;
}

/** The exposition; `uptime` in seconds. */
export function statusOpenMetrics(t: StatusTotals, uptime: number): string {
  const byState = new Map<number, number>();
  for (const c of t.connections) byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
  const states = [KEEP_ALIVE, ...ALL_STATES];
  return (
    family({ name: 'httpd_ts_requests', type: 'counter', help: 'Requests answered, summed over the workers.', samples: [['', t.requests]] }) +
    family({
      name: 'httpd_ts_traffic_bytes',
      type: 'counter',
      unit: 'bytes',
      help: 'Bytes written to clients, response heads included, summed over the workers.',
      samples: [['', t.traffic]],
    }) +
    family({
      name: 'httpd_ts_connections',
      type: 'gauge',
      help: 'Open client connections by state (lighttpd request states, keep-alive while waiting for the next request).',
      samples: states.map((s) => [`{state="${stateName(s)}"}`, byState.get(s) ?? 0] as const),
    }) +
    family({ name: 'httpd_ts_connections_max', type: 'gauge', help: 'Connections the workers accept at most (server.max-connections).', samples: [['', t.maxConnections]] }) +
    family({ name: 'httpd_ts_uptime_seconds', type: 'gauge', unit: 'seconds', help: 'Seconds since the oldest worker started.', samples: [['', uptime]] }) +
    family({ name: 'httpd_ts_workers', type: 'gauge', help: 'Serving processes that reported.', samples: [['', t.workers]] }) +
    '# EOF\n'
  );
}
