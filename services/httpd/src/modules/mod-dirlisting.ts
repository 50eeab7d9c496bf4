// mod_dirlisting (lighttpd 1.4.69 src/mod_dirlisting.c): an HTML index of a directory when
// dir-listing.activate is on and no index file was found; hide-dotfiles, exclude, show-readme,
// show-header (and hiding those files), encoding, external-css/-js and set-footer.
import fs from 'node:fs';
import type { Request } from '../connection/request';
import { urlPathToFs } from '../url/physical-path';
import { DEFAULT_STYLE, encodeHref, escapeHtml, formatListingDate, formatSize } from './dirlisting-html';
import { HandlerResult, type ModuleServices, type RequestModule } from './request-module';

interface Row {
  readonly name: string;
  readonly dir: boolean;
  readonly mtimeMs: number;
  readonly size: number;
}

async function readRows(dir: string, req: Request): Promise<Row[] | null> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return null;
  }
  const conf = req.config.dirListing;
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

export async function renderListing(req: Request, dir: string): Promise<string | null> {
  const rows = await readRows(dir, req);
  if (rows === null) return null;
  const conf = req.config.dirListing;
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
      const type = escapeHtml(req.config.mimetypes.lookup(r.name));
      html += `<tr><td class="n"><a href="${href}">${name}</a></td><td class="m">${date}</td><td class="s">${formatSize(r.size)}</td><td class="t">${type}</td></tr>\n`;
    }
  }
  html += '</tbody>\n</table>\n</div>\n';
  html += await includeFile(dir, conf.showReadme, 'readme', conf.encodeReadme);
  const footer = conf.setFooter !== '' ? conf.setFooter : escapeHtml(req.config.serverTag);
  html += `<div class="foot">${footer}</div>\n`;
  if (conf.externalJs !== '') html += `<script type="text/javascript" src="${escapeHtml(conf.externalJs)}"></script>\n`;
  html += '</body>\n</html>\n';
  return html;
}

export const modDirlisting: RequestModule = {
  name: 'mod_dirlisting',
  async handleSubrequestStart(req: Request, _services: ModuleServices): Promise<HandlerResult> {
    const st = req.fileStat?.stats;
    if (st === undefined || st === null || !st.isDirectory() || !req.url.endsWith('/')) return HandlerResult.GoOn;
    if (!req.config.dirListing.activate) return HandlerResult.GoOn;
    const m = req.head.method;
    if (m !== 'GET' && m !== 'HEAD') return HandlerResult.GoOn;
    const html = await renderListing(req, req.physicalPath.endsWith('/') ? req.physicalPath : req.physicalPath + '/');
    if (html === null) {
      req.status = 403;
      return HandlerResult.Finished;
    }
    const enc = req.config.dirListing.encoding;
    req.responseHeaders.push('Content-Type', enc !== '' ? `text/html; charset=${enc}` : 'text/html');
    req.status = 200;
    req.appendBody(Buffer.from(html, 'utf8'));
    return HandlerResult.Finished;
  },
};
