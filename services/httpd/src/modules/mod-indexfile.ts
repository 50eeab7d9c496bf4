// mod_indexfile (lighttpd 1.4.69 src/mod_indexfile.c) as a plugin: a request for a directory ending
// in '/' is mapped to the first existing name of index-file.names; a name starting with '/' is
// looked up below the document root instead of the directory.
import { HandlerResult, type DirectiveSpec, type ModuleConfig } from '@libs/plugins';
import type { Request } from '../core/request';
import type { HttpPlugin } from '../core/plugin';

export const INDEXFILE_SPECS: readonly DirectiveSpec[] = Object.freeze([
  { key: 'index-file.names', type: 'array-string', scope: 'connection' },
  { key: 'server.indexfiles', type: 'array-string', scope: 'connection' },
]);

/** INDEXFILE_SPECS as request code reads them (no defaults: unset is undefined). */
interface IndexfileConfig {
  readonly 'index-file.names'?: readonly string[];
  readonly 'server.indexfiles'?: readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

export function createModIndexfile(): HttpPlugin {
  let mc: ModuleConfig<IndexfileConfig> | null = null;
  const names = (req: Request): readonly string[] => {
    if (mc === null) return NONE;
    const conf = req.config(mc);
    return conf['index-file.names'] ?? conf['server.indexfiles'] ?? NONE;
  };
  return {
    name: 'mod_indexfile',
    directives: INDEXFILE_SPECS,
    setDefaults(ctx) {
      mc = ctx.config.typed<IndexfileConfig>();
      return HandlerResult.GoOn;
    },
    handleSubrequestStart(req: Request): HandlerResult {
      if (req.handler !== null) return HandlerResult.GoOn;
      const st = req.fileStat?.stats;
      if (st === undefined || st === null || !st.isDirectory() || !req.url.endsWith('/')) return HandlerResult.GoOn;
      for (const name of names(req)) {
        if (name === '') continue;
        const candidate = name.startsWith('/') ? req.docRoot + name : req.physicalPath + name;
        const e = req.stat(candidate);
        if (e === null) return HandlerResult.WaitForEvent;
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
}
