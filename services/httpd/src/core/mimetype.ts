// mimetype.assign lookup as lighttpd 1.4.69 stat_cache_mimetype_by_ext(): short tables are
// scanned in config order for a case-insensitive suffix; long ones are searched by basename,
// then the longest ".ext2.ext1" down to ".ext1", then the "" catch-all.

/** What mod_staticfile sends when no suffix matches (lighttpd's default). */
export const DEFAULT_MIMETYPE = 'application/octet-stream';

/** Below this many entries upstream scans linearly (first match in config order). */
const LINEAR_LIMIT = 16;

export interface MimeTable {
  /** The Content-Type for a file name (a basename or a path), or DEFAULT_MIMETYPE. */
  lookup(name: string): string;
  readonly size: number;
}

export function createMimeTable(assign: ReadonlyArray<readonly [string, string]>): MimeTable {
  const entries = assign.map(([k, v]) => [k.toLowerCase(), v] as const);
  if (entries.length < LINEAR_LIMIT) {
    return {
      size: entries.length,
      lookup(name) {
        const lower = name.toLowerCase();
        for (const [suffix, type] of entries) if (lower.endsWith(suffix)) return type;
        return DEFAULT_MIMETYPE;
      },
    };
  }
  const map = new Map<string, string>();
  for (const [k, v] of entries) if (!map.has(k)) map.set(k, v);
  return {
    size: entries.length,
    lookup(name) {
      const lower = name.toLowerCase();
      let s = lower.lastIndexOf('/') + 1;
      const exact = map.get(lower.slice(s));
      if (exact !== undefined) return exact;
      for (;;) {
        const dot = lower.indexOf('.', s + 1);
        if (dot === -1) break;
        const withDot = map.get(lower.slice(dot));
        if (withDot !== undefined) return withDot;
        // keys configured without the leading '.'
        if (lower.charCodeAt(dot + 1) !== 0x2e) {
          const bare = map.get(lower.slice(dot + 1));
          if (bare !== undefined) return bare;
        }
        s = dot;
      }
      return map.get('') ?? DEFAULT_MIMETYPE;
    },
  };
}
