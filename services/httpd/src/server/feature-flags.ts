// server.feature-flags, lighttpd 1.4.69's config_feature_bool/config_feature_int: a key => value
// list in the global scope, read where a feature needs it (e.g. "server.graceful-shutdown-timeout").
import type { TypedValue } from '../config';

function flag(flags: TypedValue | undefined, name: string): string | number | undefined {
  if (typeof flags !== 'object' || !('items' in flags)) return undefined;
  const v = flags.items.find((i) => i.key === name)?.value;
  return v?.type === 'integer' || v?.type === 'string' ? v.value : undefined;
}

/** An integer flag: a number, or a string of digits ("8"), else the default (config_feature_int). */
export function featureInt(flags: TypedValue | undefined, name: string, fallback: number): number {
  const v = flag(flags, name);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return fallback;
}
