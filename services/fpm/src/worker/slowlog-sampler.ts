// request_slowlog_timeout for JavaScript workers: php-fpm ptrace()s a slow child and writes its
// PHP stack to the slowlog (fpm_php_trace.c). Here a helper thread inside the worker holds an
// inspector session on the main thread; when a request runs past the timeout it pauses the main
// thread (V8 services a pause request even inside a busy loop), copies the call frames, resumes,
// and appends php-fpm's slowlog entry; a request that only waits gets its entry without frames.
// Only started when the pool sets request_slowlog_timeout.
import { Worker } from 'node:worker_threads';

export interface SlowlogSamplerOptions {
  readonly pool: string;
  /** The slowlog's descriptor, opened by the master (the worker may not be allowed to open it). */
  readonly slowlogFd: number;
  readonly timeoutSeconds: number;
  readonly traceDepth: number;
}

export interface SlowlogSampler {
  requestStarted(id: number, script: string): void;
  requestEnded(id: number): void;
  stop(): Promise<void>;
}

// Runs in the thread; plain JavaScript so it needs no build step of its own.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const inspector = require('node:inspector');
const fs = require('node:fs');
const { pool, slowlogFd, timeoutSeconds, traceDepth, pid } = workerData;
const running = new Map();
const session = new inspector.Session();
const scripts = new Map();
session.connectToMainThread();
session.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
session.post('Debugger.enable');
const MONTHS = ['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'];
const pad = (n) => String(n).padStart(2, '0');
const stamp = (d) => '[' + pad(d.getDate()) + '-' + MONTHS[d.getMonth()] + '-' + d.getFullYear() + ' ' +
  pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + ']';
function write(req, elapsedMs, frames) {
  let text = '\\n' + stamp(new Date()) + '  [pool ' + pool + '] pid ' + pid + '\\n' +
    'script_filename = ' + req.script + '\\n' + 'elapsed = ' + (elapsedMs / 1000).toFixed(3) + ' s\\n';
  frames.forEach((f, i) => {
    const where = (f.url || scripts.get(f.location.scriptId) || '[native]').replace(/^file:\\/\\//, '');
    text += '[0x' + i.toString(16).padStart(16, '0') + '] ' + (f.functionName || '{anonymous}') + '() ' + where + ':' + (f.location.lineNumber + 1) + '\\n';
  });
  if (frames.length === 0) text += '(the event loop is idle: the request is waiting on I/O)\\n';
  fs.write(slowlogFd, text, () => {});
}
// A request that waits (on a timer, a socket, its body) has no stack: the main thread is idle,
// or runs other requests' code, whose frames would name the wrong request. So the main thread is
// asked first; answering within PROBE_MS, it is not stuck, and the entry says the request waits.
// Only a main thread busy past that is paused and its frames taken.
const PROBE_MS = 100;
let probe = null;
let probeSeq = 0;
function dump(req, elapsedMs) {
  const id = ++probeSeq;
  const timer = setTimeout(() => {
    probe = null;
    session.once('Debugger.paused', (m) => {
      const frames = m.params.callFrames.slice(0, traceDepth);
      session.post('Debugger.resume');
      write(req, elapsedMs, frames);
    });
    session.post('Debugger.pause');
  }, PROBE_MS);
  probe = { id, timer, req, elapsedMs };
  parentPort.postMessage({ t: 'probe', id });
}
const timer = setInterval(() => {
  if (probe !== null) return;
  const now = Date.now();
  for (const req of running.values()) {
    if (!req.dumped && now - req.at >= timeoutSeconds * 1000) {
      req.dumped = true;
      dump(req, now - req.at);
      return;
    }
  }
}, Math.min(250, timeoutSeconds * 1000));
parentPort.on('message', (m) => {
  if (m.t === 'start') running.set(m.id, { script: m.script, at: m.at, dumped: false });
  else if (m.t === 'end') running.delete(m.id);
  else if (m.t === 'alive' && probe !== null && probe.id === m.id) {
    clearTimeout(probe.timer);
    write(probe.req, probe.elapsedMs, []);
    probe = null;
  }
  else if (m.t === 'stop') { clearInterval(timer); if (probe !== null) clearTimeout(probe.timer); session.disconnect(); parentPort.close(); }
});
`;

export function startSlowlogSampler(options: SlowlogSamplerOptions): SlowlogSampler {
  const thread = new Worker(THREAD_SOURCE, { eval: true, workerData: { ...options, pid: process.pid } });
  // The thread must never keep a draining worker alive.
  thread.unref();
  // The thread's question "is the event loop free?": answered only when it is.
  thread.on('message', (m: { t?: string; id?: number }) => {
    if (m.t === 'probe') thread.postMessage({ t: 'alive', id: m.id });
  });
  return {
    requestStarted: (id, script) => thread.postMessage({ t: 'start', id, script, at: Date.now() }),
    requestEnded: (id) => thread.postMessage({ t: 'end', id }),
    stop: async () => {
      thread.postMessage({ t: 'stop' });
      await thread.terminate();
    },
  };
}
