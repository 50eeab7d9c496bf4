// The demo stack's embedded default configuration: a lighttpd.conf for httpd-ts (static files, a
// directory listing, *.js pages and fpm-ts's /status through mod_fastcgi, its own /server-status
// through mod_status) and a php-fpm.conf for fpm-ts, a small site and its JavaScript pages,
// written into one directory.
import fs from 'node:fs';
import path from 'node:path';

export interface DemoSite {
  readonly dir: string;
  readonly httpdConf: string;
  readonly fpmConf: string;
  readonly fpmSocket: string;
  readonly handlers: string;
}

export function writeDemoSite(dir: string, port: number): DemoSite {
  const htdocs = path.join(dir, 'htdocs');
  const handlers = path.join(dir, 'handlers');
  for (const d of [htdocs, path.join(htdocs, 'files'), handlers, path.join(dir, 'log')]) fs.mkdirSync(d, { recursive: true });

  fs.writeFileSync(
    path.join(htdocs, 'index.html'),
    '<!DOCTYPE html>\n<html><head><title>httpd-ts demo</title></head><body>\n' +
      '<h1>httpd-ts is serving</h1>\n<p>A lighttpd.conf-driven web server on Node.js, in front of fpm-ts.</p>\n<ul>\n' +
      '<li><a href="/files/">A directory listing</a> (mod_dirlisting)</li>\n' +
      '<li><a href="/form.mjs">A form rendered by fpm-ts</a> (a JavaScript page through mod_fastcgi)</li>\n' +
      '<li><a href="/hello.js?name=demo">A JSON handler</a> (fpm-ts)</li>\n' +
      '<li><a href="/status?html">fpm-ts status</a> (php-fpm\'s pm.status_path, through httpd-ts)</li>\n' +
      '<li><a href="/server-status">httpd-ts status</a> (mod_status)</li>\n' +
      '</ul>\n</body></html>\n',
  );
  fs.writeFileSync(path.join(htdocs, 'files', 'readme.txt'), 'Served by mod_staticfile, with ETag, Last-Modified and Range support.\n');
  fs.writeFileSync(path.join(htdocs, 'files', 'data.json'), JSON.stringify({ served: 'statically' }) + '\n');

  // JavaScript pages in the document root: httpd-ts hands *.js and *.mjs to fpm-ts (mod_fastcgi)
  fs.writeFileSync(
    path.join(htdocs, 'hello.js'),
    "// A fpm-ts handler: the Fetch API in, the Fetch API out.\n" +
      'module.exports = (request, context) =>\n' +
      '  Response.json({ hello: new URL(request.url).searchParams.get("name") ?? "world", pool: context.pool, pid: process.pid });\n',
  );
  fs.writeFileSync(
    path.join(htdocs, 'form.mjs'),
    '// A page rendered by fpm-ts: a form that POSTs to itself and shows what it received.\n' +
      'const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", \'"\': "&quot;" })[c]);\n' +
      'export default async (request) => {\n' +
      '  let received = "<p>Nothing sent yet.</p>";\n' +
      '  if (request.method === "POST") {\n' +
      '    const form = new URLSearchParams(await request.text());\n' +
      '    received = "<h2>Received</h2><dl id=\\"received\\">" + [...form].map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("") + "</dl>";\n' +
      '  }\n' +
      '  const html = `<!DOCTYPE html><html><head><title>fpm-ts form</title></head><body><h1>Rendered by fpm-ts</h1>` +\n' +
      '    `<form method="post"><label>Name <input name="name"></label> <label>Note <input name="note"></label> <button type="submit">Send</button></form>${received}</body></html>`;\n' +
      '  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });\n' +
      '};\n',
  );
  fs.writeFileSync(
    path.join(handlers, 'echo.mjs'),
    '// Streams the request body back, upper-cased.\n' +
      'export default async (request) => new Response((await request.text()).toUpperCase(), { headers: { "content-type": "text/plain" } });\n',
  );

  const fpmSocket = path.join(dir, 'www.sock');
  const httpdConf = path.join(dir, 'httpd-ts.conf');
  fs.writeFileSync(
    httpdConf,
    [
      '# httpd-ts demo: plain lighttpd.conf',
      `server.document-root = "${htdocs}"`,
      'server.bind = "127.0.0.1"',
      `server.port = ${port}`,
      `server.errorlog = "${dir}/log/httpd-ts.log"`,
      `server.pid-file = "${dir}/httpd-ts.pid"`,
      'server.modules += ( "mod_status", "mod_fastcgi" )',
      'index-file.names = ( "index.html" )',
      '# JavaScript pages go to fpm-ts, and so does its status page (php-fpm\'s pm.status_path)',
      `fastcgi.server = ( ".js" => (( "socket" => "${fpmSocket}" )), ".mjs" => (( "socket" => "${fpmSocket}" )),`,
      `                   "/status" => (( "socket" => "${fpmSocket}", "check-local" => "disable" )) )`,
      '# httpd-ts\'s own status page (lighttpd\'s mod_status); the demo listens on 127.0.0.1 only',
      'status.status-url = "/server-status"',
      'status.config-url = "/server-config"',
      'mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain", ".json" => "application/json" )',
      '$HTTP["url"] =^ "/files/" {',
      '  dir-listing.activate = "enable"',
      '}',
      '',
    ].join('\n'),
  );

  const fpmConf = path.join(dir, 'fpm-ts.conf');
  fs.writeFileSync(
    fpmConf,
    [
      '; fpm-ts demo: plain php-fpm.conf',
      '[global]',
      `error_log = ${dir}/log/fpm-ts.log`,
      `pid = ${dir}/fpm-ts.pid`,
      '[www]',
      `listen = ${fpmSocket}`,
      'pm = dynamic',
      'pm.max_children = 4',
      'pm.start_servers = 2',
      'pm.min_spare_servers = 1',
      'pm.max_spare_servers = 3',
      'pm.status_path = /status',
      'ping.path = /ping',
      'catch_workers_output = yes',
      '',
    ].join('\n'),
  );
  return { dir, httpdConf, fpmConf, fpmSocket, handlers };
}
