// Error response bodies: lighttpd 1.4.69's built-in XHTML page (http-header-glue.c
// http_response_static_errdoc) and server.errorfile-prefix ("<prefix><status>.html").
import fs from 'node:fs';
import { reasonPhrase } from '../http/status-codes';

const pages = new Map<number, Buffer>();

/** The built-in page for a status, built once per status. */
export function defaultErrorPage(status: number): Buffer {
  let page = pages.get(status);
  if (page === undefined) {
    const title = `${status} ${reasonPhrase(status)}`;
    page = Buffer.from(
      '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
        '         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
        ' <head>\n' +
        `  <title>${title}</title>\n` +
        ' </head>\n' +
        ' <body>\n' +
        `  <h1>${title}</h1>\n` +
        ' </body>\n' +
        '</html>\n',
      'latin1',
    );
    pages.set(status, page);
  }
  return page;
}

/** The errorfile-prefix page for a status, or null when there is none (then the built-in one is used). */
export function readErrorFile(prefix: string, status: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    fs.readFile(`${prefix}${status}.html`, (err, buf) => resolve(err === null ? buf : null));
  });
}
