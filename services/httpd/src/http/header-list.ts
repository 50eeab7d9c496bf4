// Headers kept as one flat list, [name, value, name, value, ...], as the engine holds a response's.

/** Index of the header named `lower` in any spelling (a backend spells names as it likes), or -1. */
export function headerAt(h: readonly string[], lower: string): number {
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i] as string;
    if (name.length === lower.length && name.toLowerCase() === lower) return i;
  }
  return -1;
}
