// mod_indexfile (lighttpd 1.4.69 src/mod_indexfile.c): a request for a directory ending in '/'
// is mapped to the first existing name of index-file.names; a name starting with '/' is looked
// up below the document root instead of the directory.
import type { Request } from '../connection/request';
import { HandlerResult, type ModuleServices, type RequestModule } from './request-module';

export const modIndexfile: RequestModule = {
  name: 'mod_indexfile',
  async handleSubrequestStart(req: Request, services: ModuleServices): Promise<HandlerResult> {
    const st = req.fileStat?.stats;
    if (st === undefined || st === null || !st.isDirectory()) return HandlerResult.GoOn;
    if (!req.url.endsWith('/')) return HandlerResult.GoOn;
    const names = req.config.indexFiles;
    for (const name of names) {
      if (name === '') continue;
      const candidate = name.startsWith('/') ? req.docRoot + name : req.physicalPath + name;
      const e = services.statCache.get(candidate) ?? (await services.statCache.stat(candidate));
      if (e.stats === null) {
        // lighttpd: a permission problem on an index file answers 403 instead of trying the next
        if (e.errno === 'EACCES') {
          req.status = 403;
          return HandlerResult.Finished;
        }
        continue;
      }
      if (name.startsWith('/')) req.url = name;
      else req.url += name;
      req.physicalPath = candidate;
      req.fileStat = e;
      return HandlerResult.GoOn;
    }
    return HandlerResult.GoOn;
  },
};
