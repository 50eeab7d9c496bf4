// The demo stack's embedded default configuration: a lighttpd.conf for httpd-ts, a php-fpm.conf
// for fpm-ts, a small static site and two JavaScript handlers, written into one directory.
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
      '<h1>httpd-ts is serving</h1>\n<p>A lighttpd.conf-driven web server on Node.js. ' +
      'See <a href="/files/">/files/</a> for a directory listing.</p>\n</body></html>\n',
  );
  fs.writeFileSync(path.join(htdocs, 'files', 'readme.txt'), 'Served by mod_staticfile, with ETag, Last-Modified and Range support.\n');
  fs.writeFileSync(path.join(htdocs, 'files', 'data.json'), JSON.stringify({ served: 'statically' }) + '\n');

  fs.writeFileSync(
    path.join(handlers, 'hello.js'),
    "// A fpm-ts handler: the Fetch API in, the Fetch API out.\n" +
      'module.exports = (request, context) =>\n' +
      '  Response.json({ hello: new URL(request.url).searchParams.get("name") ?? "world", pool: context.pool, pid: process.pid });\n',
  );
  fs.writeFileSync(
    path.join(handlers, 'echo.mjs'),
    '// Streams the request body back, upper-cased.\n' +
      'export default async (request) => new Response((await request.text()).toUpperCase(), { headers: { "content-type": "text/plain" } });\n',
  );

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
      'index-file.names = ( "index.html" )',
      'mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain", ".json" => "application/json" )',
      '$HTTP["url"] =^ "/files/" {',
      '  dir-listing.activate = "enable"',
      '}',
      '',
    ].join('\n'),
  );

  const fpmSocket = path.join(dir, 'www.sock');
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
