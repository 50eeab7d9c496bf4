// mod_dirlisting (lighttpd 1.4.69 src/mod_dirlisting.c) as a plugin: an HTML index of a directory
// when dir-listing.activate is on and no index file was found; hide-dotfiles, exclude, show-readme,
// show-header (and hiding those files), encoding, external-css/-js and set-footer. The listing is
// read asynchronously: the module makes itself the request's handler and answers in handleSubrequest.
import fs from 'node:fs';
import { HandlerResult, pluginsErrDirectiveType, type DirectiveSpec, type ModuleConfig, type TypedValue } from '@libs/plugins';
import type { Request } from '../core/request';
import { urlPathToFs } from '../url/physical-path';
import { DEFAULT_STYLE, encodeHref, escapeHtml, formatListingDate, formatSize } from './dirlisting-html';
import type { HttpPlugin } from '../core/plugin';

const bool = (key: string, dflt: boolean): DirectiveSpec => ({ key, type: 'boolean', scope: 'connection', default: dflt });
const str = (key: string, dflt: string): DirectiveSpec => ({ key, type: 'string', scope: 'connection', default: dflt });

function compileExcludes(value: TypedValue, where: string): readonly RegExp[] {
  const out: RegExp[] = [];
  for (const p of value as readonly string[]) {
    try {
      out.push(new RegExp(p));
    } catch {
      throw pluginsErrDirectiveType('dir-listing.exclude', `must be a list of valid regular expressions ("${p}" is not)`, where);
    }
  }
  return Object.freeze(out);
}

export const DIRLISTING_SPECS: readonly DirectiveSpec[] = Object.freeze([
  { key: 'dir-listing.activate', type: 'boolean', scope: 'connection' },
  { key: 'server.dir-listing', type: 'boolean', scope: 'connection' },
  bool('dir-listing.hide-dotfiles', true),
  str('dir-listing.external-css', ''),
  str('dir-listing.external-js', ''),
  str('dir-listing.encoding', ''),
  str('dir-listing.show-readme', ''),
  bool('dir-listing.hide-readme-file', false),
  str('dir-listing.show-header', ''),
  bool('dir-listing.hide-header-file', false),
  str('dir-listing.set-footer', ''),
  { key: 'dir-listing.exclude', type: 'array-string', scope: 'connection', default: Object.freeze([]), parse: compileExcludes },
  bool('dir-listing.encode-readme', true),
  bool('dir-listing.encode-header', true),
  bool('dir-listing.auto-layout', true),
  { key: 'dir-listing.cache', type: 'array-kv-any', scope: 'connection' },
  bool('dir-listing.sort', true),
]);

export interface DirListingConfig {
  readonly activate: boolean;
  readonly hideDotfiles: boolean;
  readonly externalCss: string;
  readonly externalJs: string;
  readonly encoding: string;
  readonly showReadme: string;
  readonly hideReadmeFile: boolean;
  readonly showHeader: string;
  readonly hideHeaderFile: boolean;
  readonly setFooter: string;
  readonly exclude: readonly RegExp[];
  readonly encodeReadme: boolean;
  readonly encodeHeader: boolean;
}

/** dir-listing.show-readme/-header: "enable" means the default file name, "disable" none. */
function normalizeShowFile(value: string, dflt: string): string {
  const l = value.toLowerCase();
  if (l === 'enable' || l === 'true' || l === '1') return dflt;
  if (l === 'disable' || l === 'false' || l === '0') return '';
  return value;
}

/** DIRLISTING_SPECS as request code reads them (activate and the old name have no default). */
export interface DirlistingDirectives {
  readonly 'dir-listing.activate'?: boolean;
  readonly 'server.dir-listing'?: boolean;
  readonly 'dir-listing.hide-dotfiles': boolean;
  readonly 'dir-listing.external-css': string;
  readonly 'dir-listing.external-js': string;
  readonly 'dir-listing.encoding': string;
  readonly 'dir-listing.show-readme': string;
  readonly 'dir-listing.hide-readme-file': boolean;
  readonly 'dir-listing.show-header': string;
  readonly 'dir-listing.hide-header-file': boolean;
  readonly 'dir-listing.set-footer': string;
  readonly 'dir-listing.exclude': readonly RegExp[];
  readonly 'dir-listing.encode-readme': boolean;
  readonly 'dir-listing.encode-header': boolean;
}

export function dirListingConfig(c: DirlistingDirectives): DirListingConfig {
  return {
    activate: c['dir-listing.activate'] ?? c['server.dir-listing'] ?? false,
    hideDotfiles: c['dir-listing.hide-dotfiles'],
    externalCss: c['dir-listing.external-css'],
    externalJs: c['dir-listing.external-js'],
    encoding: c['dir-listing.encoding'],
    showReadme: normalizeShowFile(c['dir-listing.show-readme'], 'README.txt'),
    hideReadmeFile: c['dir-listing.hide-readme-file'],
    showHeader: normalizeShowFile(c['dir-listing.show-header'], 'HEADER.txt'),
    hideHeaderFile: c['dir-listing.hide-header-file'],
    setFooter: c['dir-listing.set-footer'],
    exclude: c['dir-listing.exclude'],
    encodeReadme: c['dir-listing.encode-readme'],
    encodeHeader: c['dir-listing.encode-header'],
  };
}

interface Row {
  readonly name: string;
  readonly dir: boolean;
  readonly mtimeMs: number;
  readonly size: number;
}

async function readRows(dir: string, conf: DirListingConfig): Promise<Row[] | null> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return null;
  }
  const rows: Row[] = [];
  for (const name of names) {
    if (name.startsWith('.') && conf.hideDotfiles) continue;
    if (conf.exclude.some((re) => re.test(name))) continue;
    if (conf.hideReadmeFile && conf.showReadme !== '' && name === conf.showReadme) continue;
    if (conf.hideHeaderFile && conf.showHeader !== '' && name === conf.showHeader) continue;
    try {
      const st = await fs.promises.stat(dir + name);
      rows.push({ name, dir: st.isDirectory(), mtimeMs: st.mtimeMs, size: st.size });
    } catch {
      // vanished or dangling symlink: upstream leaves it out too
    }
  }
  // directories first, then files, each by byte order of the name
  rows.sort((a, b) => (a.dir !== b.dir ? (a.dir ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rows;
}

async function includeFile(dir: string, name: string, cls: string, encode: boolean): Promise<string> {
  if (name === '') return '';
  let text: string;
  try {
    text = await fs.promises.readFile(name.startsWith('/') ? name : dir + name, 'utf8');
  } catch {
    return '';
  }
  return encode ? `<pre class="${cls}">${escapeHtml(text)}</pre>\n` : text;
}

export async function renderListing(req: Request, dir: string, conf: DirListingConfig): Promise<string | null> {
  const rows = await readRows(dir, conf);
  if (rows === null) return null;
  const title = escapeHtml(urlPathToFs(req.url));
  let html = '<!DOCTYPE html>\n<html>\n<head>\n';
  if (conf.encoding !== '') html += `<meta charset="${escapeHtml(conf.encoding)}">\n`;
  html += `<title>Index of ${title}</title>\n`;
  html += conf.externalCss !== '' ? `<link rel="stylesheet" type="text/css" href="${escapeHtml(conf.externalCss)}">\n` : DEFAULT_STYLE;
  html += '</head>\n<body>\n';
  html += await includeFile(dir, conf.showHeader, 'header', conf.encodeHeader);
  html += `<h2>Index of ${title}</h2>\n<div class="list">\n`;
  html += '<table summary="Directory Listing" cellpadding="0" cellspacing="0">\n';
  html += '<thead><tr><th class="n">Name</th><th class="m">Last Modified</th><th class="s">Size</th><th class="t">Type</th></tr></thead>\n<tbody>\n';
  if (req.url !== '/') {
    html += '<tr class="d"><td class="n"><a href="../">..</a>/</td><td class="m">&nbsp;</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>\n';
  }
  for (const r of rows) {
    const name = escapeHtml(r.name);
    const href = encodeHref(r.name);
    const date = formatListingDate(r.mtimeMs);
    if (r.dir) {
      html += `<tr class="d"><td class="n"><a href="${href}/">${name}</a>/</td><td class="m">${date}</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>\n`;
    } else {
      const type = escapeHtml(req.conf['mimetype.assign'].lookup(r.name));
      html += `<tr><td class="n"><a href="${href}">${name}</a></td><td class="m">${date}</td><td class="s">${formatSize(r.size)}</td><td class="t">${type}</td></tr>\n`;
    }
  }
  html += '</tbody>\n</table>\n</div>\n';
  html += await includeFile(dir, conf.showReadme, 'readme', conf.encodeReadme);
  const footer = conf.setFooter !== '' ? conf.setFooter : escapeHtml(req.conf['server.tag']);
  html += `<div class="foot">${footer}</div>\n`;
  if (conf.externalJs !== '') html += `<script type="text/javascript" src="${escapeHtml(conf.externalJs)}"></script>\n`;
  html += '</body>\n</html>\n';
  return html;
}

export function createModDirlisting(): HttpPlugin {
  let mc: ModuleConfig<DirlistingDirectives> | null = null;
  const typed = new WeakMap<DirlistingDirectives, DirListingConfig>();
  return {
    name: 'mod_dirlisting',
    directives: DIRLISTING_SPECS,
    setDefaults(ctx) {
      mc = ctx.config.typed<DirlistingDirectives>();
      return HandlerResult.GoOn;
    },
    handleSubrequestStart(req: Request): HandlerResult {
      if (req.handler !== null) return HandlerResult.GoOn;
      const st = req.fileStat?.stats;
      if (st === undefined || st === null || !st.isDirectory() || !req.url.endsWith('/') || mc === null) return HandlerResult.GoOn;
      const snapshot = req.config(mc);
      // the defaults object serves most requests: its typed view is built once
      let conf = typed.get(snapshot);
      if (conf === undefined) {
        conf = dirListingConfig(snapshot);
        typed.set(snapshot, conf);
      }
      if (!conf.activate) return HandlerResult.GoOn;
      const m = req.head.method;
      if (m !== 'GET' && m !== 'HEAD') return HandlerResult.GoOn;
      req.handler = this;
      const dir = req.physicalPath.endsWith('/') ? req.physicalPath : req.physicalPath + '/';
      req.wait(
        renderListing(req, dir, conf).then((html) => {
          if (html === null) {
            req.status = 403;
            return;
          }
          req.responseHeaders.push('Content-Type', conf.encoding !== '' ? `text/html; charset=${conf.encoding}` : 'text/html');
          req.status = 200;
          req.appendBody(Buffer.from(html, 'utf8'));
        }),
      );
      return HandlerResult.WaitForEvent;
    },
    handleSubrequest(): HandlerResult {
      // the listing was written into the response when the directory had been read
      return HandlerResult.Finished;
    },
  };
}
