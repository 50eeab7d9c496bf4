// proxy.header's map-urlpath, map-host-request and map-host-response, as lighttpd 1.4.69's
// mod_proxy.c http_header_remap_* apply them: on the request line, Host, Destination and
// Content-Location going to the backend, and on Location, Content-Location and Set-Cookie (Path,
// Domain) coming back. One object per request: the first mapping used on the way in is preferred
// for the reverse mapping on the way out (remap_hdrs->forwarded_urlpath / forwarded_host). With
// https-remap, for a request that came over https, a URI whose authority a map-host entry rewrote
// changes scheme too: https to http on the way in, http to https on the way out.

/** The compiled proxy.header maps ("key" => "value" in config order; null when not set). */
export interface RemapOpts {
  readonly urlpaths: ReadonlyArray<readonly [string, string]> | null;
  readonly hostsRequest: ReadonlyArray<readonly [string, string]> | null;
  readonly hostsResponse: ReadonlyArray<readonly [string, string]> | null;
}

export class HeaderRemap {
  /** The request host the first map-host-request entry mapped to. */
  private forwardedHost: string | null = null;
  private forwardedUrlpath: readonly [string, string] | null = null;

  constructor(
    private readonly opts: RemapOpts,
    /** The client's Host (null without one): "-" in a map stands for it. */
    private readonly httpHost: string | null,
    /** https-remap is on and the request came over https (mod_proxy_check_extension). */
    private readonly httpsRemap = false,
  ) {}

  /** Request headers are remapped only with map-urlpath or map-host-request. */
  get onRequest(): boolean {
    return this.opts.urlpaths !== null || this.opts.hostsRequest !== null;
  }

  get onResponse(): boolean {
    return this.opts.urlpaths !== null || this.opts.hostsResponse !== null;
  }

  /** http_header_remap_host_match: the authority's replacement, or null to leave it. */
  private hostMatch(authority: string, isReq: boolean): string | null {
    const hosts = isReq ? this.opts.hostsRequest : this.opts.hostsResponse;
    if (hosts === null) return null;
    const a = authority.toLowerCase();
    for (const [key, value] of hosts) {
      const k = key === '-' ? (isReq ? this.httpHost : this.forwardedHost) : key;
      if (k === null || k.toLowerCase() !== a) continue;
      if (value === '-') return this.httpHost;
      if (value === '') return null;
      if (isReq && this.forwardedHost === null) this.forwardedHost = value;
      return value;
    }
    return null;
  }

  /** http_header_remap_host: a whole authority (the Host header). */
  host(authority: string, isReq: boolean): string {
    return this.hostMatch(authority, isReq) ?? authority;
  }

  /** http_header_remap_urlpath: the first matching prefix replaced (reversed on a response). */
  private urlpath(path: string, isReq: boolean): string {
    const maps = this.opts.urlpaths;
    if (maps === null) return path;
    if (isReq) {
      for (const m of maps) {
        if (!path.startsWith(m[0])) continue;
        this.forwardedUrlpath ??= m;
        return m[1] + path.slice(m[0].length);
      }
      return path;
    }
    const fwd = this.forwardedUrlpath;
    if (fwd !== null && path.startsWith(fwd[1])) return fwd[0] + path.slice(fwd[1].length);
    for (const [from, to] of maps) if (path.startsWith(to)) return from + path.slice(to.length);
    return path;
  }

  /** http_header_remap_uri: a URL-path, or an absolute URI whose authority and path are remapped. */
  uri(value: string, isReq: boolean): string {
    if (value.startsWith('/')) return this.urlpath(value, isReq);
    const colon = value.indexOf(':');
    if (colon === -1 || value[colon + 1] !== '/' || value[colon + 2] !== '/') return value;
    const start = colon + 3;
    let slash = value.indexOf('/', start);
    // upstream appends the slash an authority-only URI lacks
    if (slash === -1) {
      if (start === value.length) return value;
      value += '/';
      slash = value.length - 1;
    } else if (slash === start) return value;
    const authority = value.slice(start, slash);
    const mapped = this.hostMatch(authority, isReq);
    let scheme = value.slice(0, colon);
    // http_header_remap_uri: only a remapped authority changes scheme (exact, lower-case scheme names)
    if (mapped !== null && this.httpsRemap) {
      if (isReq && scheme === 'https') scheme = 'http';
      else if (!isReq && scheme === 'http') scheme = 'https';
    }
    return `${scheme}://${mapped ?? authority}${this.urlpath(value.slice(slash), isReq)}`;
  }

  /** http_header_remap_setcookie: the Path and Domain attributes of one Set-Cookie value. */
  setCookie(value: string): string {
    let b = value;
    let s = 0;
    for (;;) {
      while (s < b.length && b[s] !== ';') s++;
      if (s >= b.length) return b;
      do s++;
      while (b[s] === ' ' || b[s] === '\t');
      if (s >= b.length) return b;
      if (b[s] === '=') {
        s++;
        continue;
      }
      const eq = b.indexOf('=', s + 1);
      if (eq === -1) return b;
      const name = b.slice(s, eq).toLowerCase();
      let e = eq + 1;
      if (name === 'path') {
        if (b[e] === '"') e++;
        if (b[e] !== '/') {
          s = e;
          continue;
        }
        // a prefix of what follows is replaced; the scan goes on to the next ';'
        b = b.slice(0, e) + this.urlpath(b.slice(e), false);
        s = e;
        continue;
      }
      if (name === 'domain') {
        if (b[e] === '"') e++;
        if (b[e] === '.') e++;
        if (b[e] === ';') {
          s = e;
          continue;
        }
        let alen = 0;
        while (e + alen < b.length && !';\t \r'.includes(b[e + alen] as string)) alen++;
        const authority = b.slice(e, e + alen);
        const mapped = this.hostMatch(authority, false) ?? authority;
        b = b.slice(0, e) + mapped + b.slice(e + alen);
        s = e + mapped.length;
        continue;
      }
      s = e;
    }
  }
}
