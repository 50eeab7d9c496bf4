// A request's FastCGI params, read as a ReadonlyMap. Filling a Map costs a hash insert per pair
// and a few table growths per request (about 25 pairs from nginx's fastcgi_params), and most of
// the params are never looked up. Two arrays filled in arrival order cost an append each; a lookup
// scans the names, which is cheap because the names nginx sends again and again are the same
// internalized strings (see NameValueDecoder), compared by identity.

export class ParamList implements ReadonlyMap<string, string> {
  private readonly pairNames: string[] = [];
  private readonly pairValues: string[] = [];
  /** The pairs as a Map (a later duplicate wins, as in php-fpm), made the first time someone enumerates. */
  private map: Map<string, string> | null = null;
  /** Values whose bytes are not their UTF-8 text, one char per byte (rare: made on the first). */
  private latin1Values: Map<string, string> | null = null;

  /**
   * @internal Appends a pair as it arrives; a name sent twice keeps its last value. `latin1`: the
   * value's bytes one char each, when they may differ from the decoded text.
   */
  add(name: string, value: string, latin1?: string): void {
    this.pairNames.push(name);
    this.pairValues.push(value);
    this.map = null;
    if (latin1 !== undefined && latin1 !== value) (this.latin1Values ??= new Map()).set(name, latin1);
    else this.latin1Values?.delete(name);
  }

  /**
   * A value's bytes, one char each (a Fetch API ByteString, as HTTP header values are): params
   * are HTTP bytes, and UTF-8 text would not fit in a header or would lose bytes that are not UTF-8.
   */
  getLatin1(name: string): string | undefined {
    return this.latin1Values?.get(name) ?? this.get(name);
  }

  get(name: string): string | undefined {
    // From the end: the last of duplicate names wins.
    for (let i = this.pairNames.length - 1; i >= 0; i--) if (this.pairNames[i] === name) return this.pairValues[i];
    return undefined;
  }

  has(name: string): boolean {
    return this.pairNames.lastIndexOf(name) >= 0;
  }

  get size(): number {
    return this.asMap().size;
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [name, value] of this.asMap()) callback.call(thisArg, value, name, this);
  }

  entries(): MapIterator<[string, string]> {
    return this.asMap().entries();
  }

  keys(): MapIterator<string> {
    return this.asMap().keys();
  }

  values(): MapIterator<string> {
    return this.asMap().values();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.asMap().entries();
  }

  private asMap(): Map<string, string> {
    if (this.map === null) {
      this.map = new Map();
      for (let i = 0; i < this.pairNames.length; i++) this.map.set(this.pairNames[i] as string, this.pairValues[i] as string);
    }
    return this.map;
  }
}
