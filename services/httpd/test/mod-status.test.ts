// Process-level: mod_status on the real httpd-ts binary next to the real lighttpd 1.4.69 with the
// same config, over real sockets: the "?auto" and "?json" forms (keys, format, counts after a known
// number of requests), the HTML status page (head, headings, connection states, a kept-alive
// connection's row), the config and statistics pages, Content-Types, $HTTP["remoteip"] around the
// URLs; then httpd-ts's own additions: exact byte counts, the OpenMetrics form, statistics that a
// module publishes.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { get, parseResponses, rawExchange, startConf, tempDir, type ParsedResponse, type RunningServer } from './serve-support';

/** The file the counted requests fetch: large enough that its kilobytes show in "Total kBytes". */
const FILE = 'x'.repeat(3000);
const SENT = 7;

const STATUS_CONF = `server.document-root = "@ROOT@/htdocs"
server.max-connections = 100
mimetype.assign = ( ".txt" => "text/plain" )
server.modules += ( "mod_status" )
status.status-url = "/server-status"
status.config-url = "/server-config"
status.statistics-url = "/server-statistics"
`;

const OURS_HEAD = 'server.bind = "127.0.0.1"\nserver.port = 0\nserver.errorlog = "@TMP@/error.log"\n';

interface Peer {
  readonly name: string;
  readonly port: number;
  stop(): Promise<unknown>;
}

async function startPeer(name: 'lighttpd' | 'httpd-ts', dir: string, conf: string, args: readonly string[] = []): Promise<Peer> {
  if (name === 'lighttpd') {
    const l: RunningLighttpd = await startLighttpd(conf.replaceAll('@ROOT@', dir).replaceAll('@TMP@', dir), dir);
    return { name, port: l.port, stop: () => l.stop() };
  }
  const s: RunningServer = await startConf(OURS_HEAD + conf, dir, args);
  return { name, port: s.port, stop: () => s.stop() };
}

function makeDir(): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'f.txt'), FILE);
  return dir;
}

/** One request on its own connection: the response and the bytes that came. */
async function fetchRaw(port: number, target: string, extra = ''): Promise<{ res: ParsedResponse; bytes: number }> {
  const raw = await rawExchange(port, get(target, extra));
  const res = parseResponses(raw)[0];
  if (res === undefined) throw new Error(`no response to ${target}`);
  return { res, bytes: raw.length };
}

const fetchOne = async (port: number, target: string, extra = ''): Promise<ParsedResponse> => (await fetchRaw(port, target, extra)).res;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** lighttpd moves its counters into the totals on its 1-second trigger: wait past one. */
const PAST_TRIGGER = 1300;

/** Sends the counted requests; the bytes the client received. */
async function sendCounted(port: number): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < SENT; i++) {
    const { res, bytes: n } = await fetchRaw(port, '/f.txt');
    expect(res.status).toBe(200);
    bytes += n;
  }
  return bytes;
}

function parseAuto(body: string): Array<[string, string]> {
  expect(body.endsWith('\n')).toBe(true);
  return body
    .slice(0, -1)
    .split('\n')
    .map((l) => {
      const m = /^([A-Za-z ]+): (.*)$/.exec(l);
      if (m === null) throw new Error(`not a "Key: value" line: ${JSON.stringify(l)}`);
      return [m[1] as string, m[2] as string];
    });
}

const JSON_SHAPE =
  /^\{\n\t"RequestsTotal": (\d+),\n\t"TrafficTotal": (\d+),\n\t"Uptime": (\d+),\n\t"BusyServers": (\d+),\n\t"IdleServers": (\d+),\n\t"RequestAverage5s":(\d+),\n\t"TrafficAverage5s":(\d+)\n\}$/;

interface Observed {
  autoType: string | undefined;
  auto: Array<[string, string]>;
  receivedBytes: number;
  jsonType: string | undefined;
  json: string;
  jsonp: string;
  html: string;
  htmlType: string | undefined;
  htmlRefresh: string;
  htmlUnsorted: string;
  keepAliveHtml: string;
  config: string;
  configType: string | undefined;
  statistics: ParsedResponse;
  restricted: number;
  allowed: number;
}

/**
 * The HTML page once the server has finished closing the earlier connections: a test client's
 * close may still be in progress on a loaded machine (a "C" in the page's state letters), and
 * the page is compared with the asking connection alone.
 */
async function settledStatusPage(port: number): Promise<ParsedResponse> {
  for (let attempt = 0; ; attempt++) {
    await sleep(50);
    const page = await fetchOne(port, '/server-status');
    if (!/<b>\d+ connections<\/b>\n[^\n]*C/.test(page.body.toString('latin1')) || attempt === 40) return page;
  }
}

/** The same steps against either server. */
async function observe(name: 'lighttpd' | 'httpd-ts'): Promise<Observed> {
  const dir = makeDir();
  const conf =
    STATUS_CONF +
    '$HTTP["url"] =~ "^/unsorted" { status.status-url = "/unsorted-status" status.enable-sort = "disable" }\n' +
    '$HTTP["url"] =~ "^/private" { $HTTP["remoteip"] == "10.0.0.0/8" { status.status-url = "/private-status" } }\n' +
    '$HTTP["url"] =~ "^/local" { $HTTP["remoteip"] == "127.0.0.0/8" { status.status-url = "/local-status" } }\n';
  const peer = await startPeer(name, dir, conf);
  try {
    const receivedBytes = await sendCounted(peer.port);
    await sleep(PAST_TRIGGER);
    const auto = await fetchOne(peer.port, '/server-status?auto');
    await sleep(PAST_TRIGGER);
    const json = await fetchOne(peer.port, '/server-status?json');
    const jsonp = await fetchOne(peer.port, '/server-status?jsonp=cb_1');
    const html = await settledStatusPage(peer.port);
    const htmlRefresh = await fetchOne(peer.port, '/server-status?refresh=5');
    const htmlUnsorted = await fetchOne(peer.port, '/unsorted-status');
    const keepAliveHtml = await withKeptAlive(peer.port, () => fetchOne(peer.port, '/server-status'));
    const config = await fetchOne(peer.port, '/server-config');
    const statistics = await fetchOne(peer.port, '/server-statistics');
    const restricted = (await fetchOne(peer.port, '/private-status')).status;
    const allowed = (await fetchOne(peer.port, '/local-status?auto')).status;
    return {
      autoType: auto.headers['content-type'],
      auto: parseAuto(auto.body.toString('latin1')),
      receivedBytes,
      jsonType: json.headers['content-type'],
      json: json.body.toString('latin1'),
      jsonp: jsonp.body.toString('latin1'),
      html: html.body.toString('latin1'),
      htmlType: html.headers['content-type'],
      htmlRefresh: htmlRefresh.body.toString('latin1'),
      htmlUnsorted: htmlUnsorted.body.toString('latin1'),
      keepAliveHtml: keepAliveHtml.body.toString('latin1'),
      config: config.body.toString('latin1'),
      configType: config.headers['content-type'],
      statistics,
      restricted,
      allowed,
    };
  } finally {
    await peer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` while one connection, its request answered, is kept alive. */
async function withKeptAlive<T>(port: number, fn: () => Promise<T>): Promise<T> {
  const sock = net.connect({ host: '127.0.0.1', port });
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.once('connect', () => sock.write(get('/f.txt?k=1', '', false)));
      let got = '';
      sock.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.endsWith(FILE)) resolve();
      });
    });
    return await fn();
  } finally {
    sock.destroy();
  }
}

/** The page with what differs between the two servers by nature replaced: tag, ports, dates, numbers. */
function normalize(html: string): string {
  return html
    .replace(/lighttpd\/1\.4\.69|httpd-ts\/[0-9.]+/g, 'TAG')
    .replace(/localhost:\d+/g, 'localhost:PORT')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'DATE')
    .replace(/<td>(linux-sysepoll|libuv)<\/td>/g, '<td>EVENTS</td>')
    .replace(/(<td class="string">)[^<]*(<\/td><\/tr>\n)/g, '$1...$2')
    .replace(/\d+(\.\d\d)? [ kMG]/g, 'N U')
    .replace(/\d+/g, 'N');
}

/** The row of the connection table whose URI column is `uri`: its cells. */
function rowCells(html: string, uri: string): string[] | null {
  for (const m of html.matchAll(/<tr><td class="string">.*<\/td><\/tr>\n/g)) {
    const cells = [...m[0].matchAll(/<td class="(?:string|int)">([^<]*)<\/td>/g)].map((c) => c[1] as string);
    if (cells[6] === uri) return cells;
  }
  return null;
}

let lighttpd: Observed;
let ours: Observed;

beforeAll(async () => {
  lighttpd = await observe('lighttpd');
  ours = await observe('httpd-ts');
}, 60000);

describe('?auto (Apache mod_status format)', () => {
  it('has lighttpd 1.4.69 keys in its order, text/plain', () => {
    const keys = ['Total Accesses', 'Total kBytes', 'Uptime', 'BusyServers', 'IdleServers', 'Scoreboard'];
    expect(lighttpd.auto.map(([k]) => k)).toEqual(keys);
    expect(ours.auto.map(([k]) => k)).toEqual(keys);
    expect(lighttpd.autoType).toBe('text/plain');
    expect(ours.autoType).toBe('text/plain');
  });

  it('counts what was sent: the requests, their kilobytes, one busy connection (the asking one), the rest idle', () => {
    for (const o of [lighttpd, ours]) {
      const v = Object.fromEntries(o.auto);
      expect(v['Total Accesses']).toBe(String(SENT));
      expect(v['Total kBytes']).toBe(String(Math.floor(o.receivedBytes / 1024)));
      expect(v['BusyServers']).toBe('1');
      expect(v['IdleServers']).toBe('99');
      expect(v['Scoreboard']).toBe('h' + '_'.repeat(99));
      expect(Number(v['Uptime'])).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('?json', () => {
  it('has lighttpd 1.4.69 keys and layout, application/javascript, and counts the ?auto request too', () => {
    for (const o of [lighttpd, ours]) {
      expect(o.jsonType).toBe('application/javascript');
      const m = JSON_SHAPE.exec(o.json);
      expect(m).not.toBeNull();
      const [, total, , , busy, idle, avg] = m as RegExpExecArray;
      expect(Number(total)).toBe(SENT + 1);
      expect(busy).toBe('1');
      expect(idle).toBe('99');
      // the requests of the last five seconds, averaged over five, in whole requests
      expect(avg).toBe(String(Math.floor((SENT + 1) / 5)));
      expect(JSON.parse(o.json)).toHaveProperty('RequestsTotal');
    }
  });

  it('?jsonp=name wraps it in a call, as lighttpd does', () => {
    for (const o of [lighttpd, ours]) {
      expect(o.jsonp.startsWith('cb_1({\n\t"RequestsTotal": ')).toBe(true);
      expect(o.jsonp.endsWith('\n});')).toBe(true);
    }
  });
});

describe('the HTML status page', () => {
  it('has the same head (title, style, sort script) as lighttpd 1.4.69, text/html', () => {
    const head = (h: string): string => h.slice(0, h.indexOf('<body>'));
    expect(head(ours.html)).toBe(head(lighttpd.html));
    expect(head(ours.html)).toContain('<title>Status</title>');
    expect(ours.htmlType).toBe('text/html');
    expect(lighttpd.htmlType).toBe('text/html');
  });

  it('has the same structure: rows, headings, state table and connection table, numbers aside', () => {
    const strip = (h: string): string => normalize(h).replace(/<tr><td class="string">.*\n/g, 'ROW\n');
    expect(strip(ours.html)).toBe(strip(lighttpd.html));
    const headings = (h: string): string[] => [...h.matchAll(/onclick="resort\(this\);return false;">([^<]+)</g)].map((m) => m[1] as string);
    expect(headings(ours.html)).toEqual(['Client IP', 'Read', 'Written', 'State', 'Time', 'Host', 'URI', 'File']);
    expect(headings(lighttpd.html)).toEqual(headings(ours.html));
  });

  it('counts the requests in "absolute (since start)" like lighttpd, without waiting for its trigger', () => {
    const requests = (h: string): number => Number(/absolute \(since start\)<\/th><\/tr>\n<tr><td>Requests<\/td><td class="string">(\d+) {2}req/.exec(h)?.[1]);
    // the ?auto, ?json and ?jsonp requests came after the counted ones; lighttpd adds the last two
    // at its next 1-second trigger
    expect(requests(lighttpd.html)).toBeGreaterThanOrEqual(SENT + 1);
    expect(requests(lighttpd.html)).toBeLessThanOrEqual(SENT + 3);
    expect(requests(ours.html)).toBe(SENT + 3);
  });

  it('shows the asking connection as handle-req, with its URI, as lighttpd', () => {
    for (const o of [lighttpd, ours]) {
      expect(o.html).toContain('<b>1 connections</b>\nh\n\n<table>\n');
      expect(o.html).toContain('<tr><td style="text-align:right">1</td><td>&nbsp;&nbsp;h = handle-req</td></tr>\n');
      const row = rowCells(o.html, '/server-status (/server-status)');
      expect(row?.slice(0, 4)).toEqual(['127.0.0.1', '0/0', row?.[2], 'handle-req']);
    }
  });

  it('shows a kept-alive connection as "k" with its last request, as lighttpd', () => {
    for (const o of [lighttpd, ours]) {
      expect(o.keepAliveHtml).toMatch(/<b>2 connections<\/b>\n(hk|kh)\n/);
      expect(o.keepAliveHtml).toContain('<tr><td style="text-align:right">1<td>&nbsp;&nbsp;k = keep-alive</td></tr>\n');
      const row = rowCells(o.keepAliveHtml, '/f.txt?k=1 (/f.txt?k=1)');
      expect(row).not.toBeNull();
      expect(row?.[3]).toBe('keep-alive');
      expect(row?.[5]).toBe('localhost');
      expect(row?.[7]).toBe('');
    }
  });

  it('?refresh=N adds the meta refresh; status.enable-sort = "disable" drops the script and the sort links', () => {
    for (const o of [lighttpd, ours]) {
      expect(o.htmlRefresh).toContain('<meta http-equiv="refresh" content="5">\n');
      expect(o.htmlUnsorted).not.toContain('<script');
      expect(o.htmlUnsorted).toContain('<tr><th class="status">Client IP</th>\n<th class="status">Read</th>\n');
    }
    // the connection rows and the state letters depend on timing (lighttpd may still be closing an
    // earlier connection, a "C"): the page around them is compared
    const frame = (html: string): string =>
      normalize(html)
        .replace(/<tr><td class="string">.*\n/g, '')
        .replace(/(<b>N connections<\/b>\n)[A-Za-z._]*\n/, '$1STATES\n');
    expect(frame(ours.htmlUnsorted)).toBe(frame(lighttpd.htmlUnsorted));
  });
});

describe('status.config-url and status.statistics-url', () => {
  it('the config page is lighttpd\'s, loaded modules named as lighttpd names them', () => {
    expect(ours.configType).toBe('text/html');
    expect(lighttpd.configType).toBe('text/html');
    expect(normalize(ours.config)).toBe(normalize(lighttpd.config));
    expect(ours.config).toContain('<td>status<br />staticfile</td>');
  });

  it('with no statistics published both answer 204 with Content-Type text/plain and no body', () => {
    for (const o of [lighttpd, ours]) {
      expect(o.statistics.status).toBe(204);
      expect(o.statistics.headers['content-type']).toBe('text/plain');
      expect(o.statistics.headers['content-length']).toBeUndefined();
      expect(o.statistics.body.length).toBe(0);
    }
  });

  it('$HTTP["remoteip"] around a status URL: another network gets no status page (404), ours does', () => {
    for (const o of [lighttpd, ours]) {
      expect(o.restricted).toBe(404);
      expect(o.allowed).toBe(200);
    }
  });
});

describe('httpd-ts only', () => {
  let dir: string;
  let peer: Peer | null = null;

  beforeEach(() => {
    dir = makeDir();
  });
  afterEach(async () => {
    await peer?.stop();
    peer = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Parses an OpenMetrics exposition strictly enough to fail on a sample without a family. */
  function parseOpenMetrics(text: string): Map<string, number> {
    expect(text.endsWith('# EOF\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines.pop()).toBe('# EOF');
    const types = new Map<string, string>();
    const samples = new Map<string, number>();
    for (const line of lines) {
      const meta = /^# (TYPE|UNIT|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
      if (meta !== null) {
        const [, kind, name, rest] = meta as unknown as [string, string, string, string];
        if (kind === 'TYPE') {
          expect(types.has(name)).toBe(false);
          expect(['counter', 'gauge']).toContain(rest);
          types.set(name, rest);
        } else {
          // UNIT and HELP follow their family's TYPE; a unit is the family name's suffix
          expect(types.has(name)).toBe(true);
          if (kind === 'UNIT') expect(name.endsWith(`_${rest}`)).toBe(true);
        }
        continue;
      }
      const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?\d+(?:\.\d+)?)$/.exec(line);
      if (s === null) throw new Error(`not an OpenMetrics line: ${JSON.stringify(line)}`);
      const [, name, labels, value] = s as unknown as [string, string, string | undefined, string];
      const fam = types.has(name) ? name : name.replace(/_total$/, '');
      expect(types.get(fam)).toBeDefined();
      if (types.get(fam) === 'counter') expect(name).toBe(`${fam}_total`);
      samples.set(name + (labels ?? ''), Number(value));
    }
    return samples;
  }

  it('?openmetrics: a valid exposition with the exact counts, its Content-Type, ending with # EOF', async () => {
    peer = await startPeer('httpd-ts', dir, STATUS_CONF);
    const received = await sendCounted(peer.port);
    const res = await fetchOne(peer.port, '/server-status?openmetrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const m = parseOpenMetrics(res.body.toString('utf8'));
    // no waiting for a trigger: the totals are counted when asked
    expect(m.get('httpd_ts_requests_total')).toBe(SENT);
    expect(m.get('httpd_ts_traffic_bytes_total')).toBe(received);
    expect(m.get('httpd_ts_connections{state="handle-req"}')).toBe(1);
    expect(m.get('httpd_ts_connections{state="keep-alive"}')).toBe(0);
    expect(m.get('httpd_ts_connections_max')).toBe(100);
    expect(m.get('httpd_ts_workers')).toBe(1);
    expect(m.get('httpd_ts_uptime_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('with server.max-worker = 2 the pages sum both workers: every request counted, both limits, both reports', async () => {
    peer = await startPeer('httpd-ts', dir, STATUS_CONF + 'server.max-worker = 2\n');
    const received = await sendCounted(peer.port);
    const auto = Object.fromEntries(parseAuto((await fetchOne(peer.port, '/server-status?auto')).body.toString('latin1')));
    expect(auto['Total Accesses']).toBe(String(SENT));
    expect(auto['Total kBytes']).toBe(String(Math.floor(received / 1024)));
    // lighttpd's limit is per worker: 100 each, one of them busy answering this
    expect(auto['IdleServers']).toBe('199');
    const m = parseOpenMetrics((await fetchOne(peer.port, '/server-status?openmetrics')).body.toString('utf8'));
    expect(m.get('httpd_ts_workers')).toBe(2);
    expect(m.get('httpd_ts_requests_total')).toBe(SENT + 1);
    expect(m.get('httpd_ts_connections_max')).toBe(200);
  });

  it('the statistics page prints what modules publish, summed, "key: value" in lighttpd\'s key order', async () => {
    const modules = path.join(dir, 'modules');
    fs.mkdirSync(modules);
    fs.writeFileSync(
      path.join(modules, 'mod_counting.js'),
      `let done = 0;
module.exports = {
  name: 'mod_counting',
  workerInit(srv) {
    srv.publishStatus('mod_counting', () => ({ statistics: { 'counting.requests-done': done, 'counting.b': 2, 'counting.A': 1 } }));
    return 'go-on';
  },
  handleRequestDone() {
    done++;
    return 'go-on';
  },
};
`,
    );
    peer = await startPeer('httpd-ts', dir, STATUS_CONF + 'server.modules += ( "mod_counting" )\n', ['-m', modules]);
    await sendCounted(peer.port);
    const res = await fetchOne(peer.port, '/server-statistics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    // shorter keys first, then case-insensitively (lighttpd's array order)
    expect(res.body.toString()).toBe(`counting.A: 1\ncounting.b: 2\ncounting.requests-done: ${SENT}\n`);
    const config = (await fetchOne(peer.port, '/server-config')).body.toString();
    expect(config).toContain('<td>status<br />counting<br />staticfile</td>');
  });

  it('a status request by HEAD gets the head only; status.status-url = "" leaves the URL to the files', async () => {
    peer = await startPeer('httpd-ts', dir, STATUS_CONF + '$HTTP["querystring"] == "off" { status.status-url = "" }\n');
    const raw = await rawExchange(peer.port, 'HEAD /server-status?auto HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const head = parseResponses(raw, [true])[0];
    expect(head?.status).toBe(200);
    expect(head?.headers['content-type']).toBe('text/plain');
    expect(raw.toString('latin1')).not.toContain('Total Accesses');
    expect((await fetchOne(peer.port, '/server-status?off')).status).toBe(404);
  });
});
