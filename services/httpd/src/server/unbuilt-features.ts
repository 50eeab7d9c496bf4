// Core directives httpd-ts accepts by name (lighttpd 1.4.69 knows them) but does not carry out in
// this version. Set to anything but their default they stop the start and -tt: serving plain HTTP
// where `ssl.engine` asks for TLS, or outside the `server.chroot` jail, must never happen silently.
import type { TypedDirective, ValidationResult } from '../config';

interface Unbuilt {
  readonly key: string;
  /** The value asks for something this version does not do. */
  readonly asks: (d: TypedDirective) => boolean;
  readonly instead: string;
}

const UNBUILT: readonly Unbuilt[] = [
  { key: 'ssl.engine', asks: (d) => d.value === true, instead: 'terminate TLS in front of httpd-ts' },
  { key: 'server.chroot', asks: (d) => d.value !== '', instead: 'confine the service with systemd (RootDirectory=, ProtectSystem=)' },
];

/** Why this configuration cannot be served as written, or null. */
export function unbuiltFeatures(validation: ValidationResult): string | null {
  const why: string[] = [];
  for (const u of UNBUILT) {
    for (const ctx of validation.contexts) {
      const d = ctx.values.get(u.key);
      if (d === undefined || !u.asks(d)) continue;
      why.push(`"${u.key}" is not available in this version of httpd-ts (${d.file}:${d.line}; ${u.instead})`);
      break;
    }
  }
  return why.length === 0 ? null : why.join('; ');
}
