// Config values as lighttpd's data_string / data_integer / data_array (src/array.c), and the
// `+` / `+=` merge rules of configparser.y (configparser_merge_data).

export interface ConfigString {
  readonly type: 'string';
  readonly value: string;
}

export interface ConfigInteger {
  readonly type: 'integer';
  readonly value: number;
}

/** One array element: `"k" => v` has a key, a plain list element has `key === null`. */
export interface ConfigArrayItem {
  readonly key: string | null;
  readonly value: ConfigValue;
}

export interface ConfigArray {
  readonly type: 'array';
  readonly items: readonly ConfigArrayItem[];
}

export type ConfigValue = ConfigString | ConfigInteger | ConfigArray;

export const str = (value: string): ConfigString => ({ type: 'string', value });
export const int = (value: number): ConfigInteger => ({ type: 'integer', value });
export const arr = (items: readonly ConfigArrayItem[]): ConfigArray => ({ type: 'array', items });

export type MergeResult = { ok: true; value: ConfigValue; notes: string[] } | { ok: false; reason: string };

/**
 * `a + b`: string+string and string+integer concatenate, integer+integer adds, array+array
 * appends; a key already present is an error unless the pair is identical (upstream prints
 * "Duplicate array-key" and carries on in that case).
 */
export function mergeValues(a: ConfigValue, b: ConfigValue): MergeResult {
  if (a.type === 'string' && b.type === 'integer') return { ok: true, value: str(a.value + String(b.value)), notes: [] };
  if (a.type === 'integer' && b.type === 'string') return { ok: true, value: str(String(a.value) + b.value), notes: [] };
  if (a.type === 'string' && b.type === 'string') return { ok: true, value: str(a.value + b.value), notes: [] };
  if (a.type === 'integer' && b.type === 'integer') return { ok: true, value: int(a.value + b.value), notes: [] };
  if (a.type === 'array' && b.type === 'array') {
    const items = [...a.items];
    const notes: string[] = [];
    for (const item of b.items) {
      const existing = item.key === null ? undefined : items.find((i) => i.key === item.key);
      if (existing === undefined) {
        items.push(item);
        continue;
      }
      if (sameScalar(existing.value, item.value)) {
        notes.push(`Duplicate array-key '${item.key ?? ''}' (identical value ignored)`);
        continue;
      }
      return { ok: false, reason: `duplicate array-key '${item.key ?? ''}'` };
    }
    return { ok: true, value: arr(items), notes };
  }
  return { ok: false, reason: `data type mismatch, cannot merge ${a.type} with ${b.type}` };
}

function sameScalar(a: ConfigValue, b: ConfigValue): boolean {
  return (a.type === 'string' && b.type === 'string' && a.value === b.value) ||
    (a.type === 'integer' && b.type === 'integer' && a.value === b.value);
}

/** Plain JavaScript view of a value, for logs and tests. */
export function toPlain(v: ConfigValue): unknown {
  if (v.type !== 'array') return v.value;
  if (v.items.every((i) => i.key === null)) return v.items.map((i) => toPlain(i.value));
  return v.items.map((i) => (i.key === null ? toPlain(i.value) : [i.key, toPlain(i.value)]));
}
