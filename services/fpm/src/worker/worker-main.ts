// One fpm-ts JavaScript worker: php-fpm's child loop (fpm_main.c's accept loop with
// fpm_request_* scoreboard updates) on Node's event loop. It accepts on the pool's inherited
// listening socket, answers ping.path and pm.status_path itself, runs handlers through the
// JavaScript responder, reports each request to the master, and retires after pm.max_requests.
import net from 'node:net';
import { createAccessLog, createErrorLog, serviceLogFrom, type ServiceLog } from '@libs/log';
import { serveFastcgi, type FastcgiServerRequest } from '@libs/fastcgi';
import { connectToParent, type ParentChannel } from '@libs/process';
import { renderStatus, statusRequest, STATUS_NO_CACHE_HEADERS } from '../status/render-status';
import type { PoolScoreboard } from '../status/scoreboard';
import { ActivityReporter, REPORT_INTERVAL_MS } from './activity-reporter';
import { acceptHandedConnections } from './handed-connections';
import { compileAccessFormat } from '../access-log/access-format';
import { accessSuppressed } from '../access-log/access-suppress';
import { installWorkerFetchGlobals } from './fetch-globals';
import { createJsResponder, type Outcome } from './js-responder';
import { startSlowlogSampler, type SlowlogSampler } from './slowlog-sampler';
import {
  isFpmMasterMessage,
  type FpmMasterMessage,
  type FpmWorkerReport,
  type WorkerBootstrap,
} from './worker-messages';

const SCOREBOARD_TIMEOUT_MS = 2000;
/** What the access log records for a request whose handling threw (the client got a 500). */
const FAILED: Outcome = { status: 500, headers: null };
/** getrusage(2) costs more than a small request: CPU and RSS are sampled this often at most. */
const CPU_SAMPLE_MS = 100;

/**
 * php-fpm's "last request cpu" and "last request memory", sampled: with many requests in flight a
 * per-request figure is not separable anyway, so it is the worker's CPU share over the last
 * sample interval and its resident size.
 */
class CpuSampler {
  private at = performance.now();
  private last = process.cpuUsage();
  private current = { user: 0, system: 0, rss: process.memoryUsage.rss() };

  /** Percent of one CPU in user and system mode, and resident bytes. */
  sample(): { user: number; system: number; rss: number } {
    const now = performance.now();
    if (now - this.at >= CPU_SAMPLE_MS) {
      const used = process.cpuUsage(this.last);
      const ms = now - this.at;
      this.current = { user: used.user / 10 / ms, system: used.system / 10 / ms, rss: process.memoryUsage.rss() };
      this.last = process.cpuUsage();
      this.at = now;
    }
    return this.current;
  }
}

export function runWorker(boot: WorkerBootstrap): void {
  installWorkerFetchGlobals();
  // Until the channel is up (and after it is gone), lines go to stderr.
  const stderrLog = madeOnFirstLine(() => createErrorLog({ target: 'stderr', style: 'fpm' }));
  const channel = connectToParent<FpmWorkerReport, FpmMasterMessage>({ log: stderrLog, isCustom: isFpmMasterMessage });
  const log = masterLog(channel, stderrLog);
  // Why a worker could not start goes to the master's error log, as a php-fpm child writes it
  // into the error log it inherits: the worker's own stderr may go nowhere.
  const startFailed = (err: Error): void => {
    log.error(`[pool ${boot.pool}] child ${process.pid} failed to start: ${err.message}`);
    process.exitCode = 1;
    // Once the line is sent; sooner if something would keep the process up.
    setTimeout(() => process.exit(1), 100).unref();
  };
  process.once('uncaughtException', startFailed);
  if (boot.chdir !== null) process.chdir(boot.chdir);
  const respond = createJsResponder({
    pool: boot.pool,
    limitExtensions: boot.limitExtensions,
    revalidateSeconds: boot.revalidateSeconds,
    log,
  });
  const sampler: SlowlogSampler | null =
    boot.slowlogTimeoutSeconds > 0 && boot.slowlogFd !== null
      ? startSlowlogSampler({ pool: boot.pool, slowlogFd: boot.slowlogFd, timeoutSeconds: boot.slowlogTimeoutSeconds, traceDepth: boot.slowlogTraceDepth })
      : null;

  const scoreboardWaiters = new Map<number, (board: PoolScoreboard | null) => void>();
  let nextQueryId = 1;
  channel.onMessage((msg) => {
    // Handed connections carry a socket and are taken by acceptHandedConnections.
    if (msg.type === 'activity-query') activity.flush(true);
    if (msg.type === 'terminate-request') terminate(msg.id);
    if (msg.type !== 'scoreboard') return;
    const waiter = scoreboardWaiters.get(msg.id);
    scoreboardWaiters.delete(msg.id);
    waiter?.(msg.board);
  });
  const askScoreboard = (): Promise<PoolScoreboard | null> =>
    new Promise((resolve) => {
      const id = nextQueryId++;
      const timer = setTimeout(() => {
        scoreboardWaiters.delete(id);
        resolve(null);
      }, SCOREBOARD_TIMEOUT_MS);
      scoreboardWaiters.set(id, (board) => {
        clearTimeout(timer);
        resolve(board);
      });
      // Our own activity first, so the page counts this very request, as php-fpm's does.
      activity.flush();
      channel.send({ type: 'scoreboard-query', id });
    });

  // php-fpm's access.log: one line per request, written by the child that served it.
  // The master opened the file (as php-fpm's does, before the pool's user applies); we inherit it.
  const accessLog = boot.accessLog === null || boot.accessLogFd === null ? null : createAccessLog({ fd: boot.accessLogFd, path: boot.accessLog });
  const accessLine = compileAccessFormat(boot.accessFormat);
  const suppressedPaths = new Set(boot.accessSuppressPaths);

  const activity = new ActivityReporter((report) => channel.send(report), boot.listenFd < 0 ? 0 : REPORT_INTERVAL_MS);
  const cpu = new CpuSampler();

  let served = 0;
  let draining = false;
  /** Requests running, by the number the activity reports give them. */
  const live = new Map<number, { request: FastcgiServerRequest; startedAt: number }>();
  // Paused: serveFastcgi then reads each connection into its one buffer (borrowed-reads.ts).
  const server = net.createServer({ pauseOnConnect: true });
  if (boot.allowedClients !== null) dropDisallowedClients(server, boot.allowedClients, boot.pool, log);
  const serving = serveFastcgi(server, handle, { log });
  // ondemand: no socket of our own; the master accepts and hands each connection over the channel.
  const handedOnly = boot.listenFd < 0;
  const stopAccepting = handedOnly ? acceptHandedConnections(server) : (): void => void server.close();

  // A draining worker (pm.max_requests, graceful stop, reload) serves what it has accepted, then exits.
  const drain = (): void => {
    if (draining) return;
    draining = true;
    stopAccepting();
    serving.drain(() => {
      activity.flush();
      accessLog?.flush();
      void sampler?.stop();
      channel.close();
      // Give the last END_REQUEST records a turn of the loop to reach the socket.
      setImmediate(() => process.exit(0));
    });
  };

  /** Runs one request; synchronous when its handler answered at once (see JsResponder). */
  function handle(request: FastcgiServerRequest): void | Promise<void> {
    const id = ++served;
    const startedAt = performance.now();
    live.set(id, { request, startedAt });
    activity.begin(id, request.params);
    sampler?.requestStarted(id, request.params.get('SCRIPT_FILENAME') ?? '-');
    if (boot.maxRequests > 0 && served >= boot.maxRequests) {
      channel.send({ type: 'retiring' });
      drain();
    }
    // Like php-fpm, ping and status requests are requests too: they count in the scoreboard.
    const scriptName = request.params.get('SCRIPT_NAME') ?? '';
    let outcome: Outcome | Promise<Outcome>;
    try {
      if (boot.pingPath !== null && scriptName === boot.pingPath) outcome = answerPing(request, boot.pingResponse);
      else if (boot.statusPath !== null && scriptName === boot.statusPath) outcome = answerStatus(request, askScoreboard);
      else outcome = respond(request);
    } catch (err) {
      ended(request, id, startedAt, FAILED);
      throw err;
    }
    if (!(outcome instanceof Promise)) return ended(request, id, startedAt, outcome);
    return outcome.then(
      (done) => ended(request, id, startedAt, done),
      (err: unknown) => {
        ended(request, id, startedAt, FAILED);
        throw err;
      },
    );
  }

  /** The request's end in the scoreboard and the slowlog sampler; null if it ended already. */
  function forget(id: number, startedAt: number): { durationUs: number; usage: ReturnType<CpuSampler['sample']> } | null {
    if (!live.delete(id)) return null;
    sampler?.requestEnded(id);
    const durationUs = Math.round((performance.now() - startedAt) * 1000);
    const usage = cpu.sample();
    activity.end(id, durationUs, usage.user + usage.system, usage.rss);
    return { durationUs, usage };
  }

  /**
   * request_terminate_timeout, said by the master, for a request that waits (its handler awaits,
   * its body stalls): it ends alone. As php-fpm's killed child writes no access.log line, neither
   * does it; the handler, if it ever finishes, writes nowhere.
   */
  function terminate(id: number): void {
    const running = live.get(id);
    if (running === undefined) return;
    forget(id, running.startedAt);
    running.request.terminate(255);
  }

  /** The request's end in the scoreboard, the slowlog sampler and the access log. */
  function ended(request: FastcgiServerRequest, id: number, startedAt: number, outcome: Outcome): void {
    const done = forget(id, startedAt);
    if (done === null) return;
    const { durationUs, usage } = done;
    if (accessLog === null || accessSuppressed(suppressedPaths, request.params, outcome.status)) return;
    const endMs = Date.now();
    accessLog.write(
      accessLine({
        params: request.params,
        pool: boot.pool,
        remoteAddress: request.remoteAddress,
        status: outcome.status,
        responseHeaders: outcome.headers,
        startMs: endMs - durationUs / 1000,
        endMs,
        cpuUserUs: (usage.user / 100) * durationUs,
        cpuSystemUs: (usage.system / 100) * durationUs,
        memory: usage.rss,
      }),
    );
  }

  channel.onQuit(drain);
  channel.onTerminate(() => process.exit(0));
  // The master owns the error log (our lines go through it) and reopens the access log: a worker
  // holding the old descriptor is replaced then (see pool-log-files.ts).
  channel.onStatus(() => ({ pid: process.pid, served, inFlight: live.size }));
  server.on('error', (err) => {
    log.error(`[pool ${boot.pool}] cannot accept on the pool's socket: ${err.message}`);
    process.exit(1);
  });
  const ready = (): void => {
    process.off('uncaughtException', startFailed);
    channel.ready({ pid: process.pid });
  };
  if (handedOnly) ready();
  // listen() again on the inherited socket; for an fd Node reads the backlog from this argument only.
  else server.listen({ fd: boot.listenFd }, boot.listenBacklog, ready);
}

/**
 * listen.allowed_clients, checked at accept as php-fpm does (fpm_sockets.c): other TCP peers are
 * dropped before a byte is read. Unix-socket peers have no address and are not filtered.
 */
function dropDisallowedClients(server: net.Server, allowed: readonly string[], pool: string, log: ServiceLog): void {
  const list = new Set(allowed.map((a) => (a.includes(':') ? a.toLowerCase() : a)));
  server.prependListener('connection', (socket: net.Socket) => {
    const ip = socket.remoteAddress?.replace(/^::ffff:(?=\d+\.)/, '');
    if (ip === undefined || list.has(ip.toLowerCase())) return;
    log.error(`[pool ${pool}] Connection disallowed: IP address '${ip}' has been dropped.`);
    socket.destroy();
  });
}

/** A ServiceLog made when it gets its first line: a worker whose channel works never needs it. */
function madeOnFirstLine(make: () => ServiceLog): ServiceLog {
  let made: ServiceLog | null = null;
  return serviceLogFrom((level, message) => (made ??= make())[level](message));
}

/** A ServiceLog whose lines the master writes into its error log. */
function masterLog(channel: ParentChannel<FpmWorkerReport, FpmMasterMessage>, fallback: ServiceLog): ServiceLog {
  return serviceLogFrom((level, message) => {
    if (process.connected) channel.send({ type: 'log', level, message });
    else fallback[level](message);
  });
}

function noCacheHead(contentType: string): string {
  let head = '';
  for (const [name, value] of Object.entries(STATUS_NO_CACHE_HEADERS)) head += `${name}: ${value}\r\n`;
  return `Content-type: ${contentType}\r\n${head}\r\n`;
}

function answerPing(request: FastcgiServerRequest, response: string): Outcome {
  request.end(0, noCacheHead('text/plain;charset=UTF-8') + response);
  return { status: 200, headers: null };
}

async function answerStatus(request: FastcgiServerRequest, ask: () => Promise<PoolScoreboard | null>): Promise<Outcome> {
  const board = await ask();
  if (board === null) {
    request.end(0, 'Status: 503 Service Unavailable\r\nContent-type: text/plain;charset=UTF-8\r\n\r\nUnable to retrieve the scoreboard\n');
    return { status: 503, headers: null };
  }
  const { format, full } = statusRequest(request.params.get('QUERY_STRING') ?? '');
  const page = renderStatus(board, format, full);
  request.end(0, noCacheHead(page.contentType) + page.body);
  return { status: 200, headers: null };
}
