/**
 * Hands out one value for repeated byte ranges of a column (flags, modes, small decimals), so a
 * million rows of a low-cardinality column share a few strings instead of a million copies: less
 * memory and less garbage collection, which is most of what building rows costs. Values must be
 * immutable (strings, numbers); a column whose values rarely repeat switches the cache off.
 */

const SLOTS = 512;
/** Longer values are rarely repeated; hashing them would cost more than it saves. */
const MAX_CACHED_BYTES = 32;
/** After this many lookups, a column with fewer hits than a quarter of them stops caching. */
const TRIAL = 2048;

export class RepeatCache<T> {
  private readonly values = new Array<T | undefined>(SLOTS);
  private readonly at = new Int32Array(SLOTS);
  private readonly length = new Int32Array(SLOTS);
  private lookups = 0;
  private hits = 0;
  private on = true;

  constructor(private readonly bytes: Uint8Array) {}

  /** The value of `bytes[start, end)`: a cached one if the same bytes came before, else `make()`'s. */
  get(start: number, end: number, make: (start: number, end: number) => T): T {
    const length = end - start;
    if (!this.on || length > MAX_CACHED_BYTES) return make(start, end);
    const bytes = this.bytes;
    let hash = length;
    for (let k = start; k < end; k++) hash = (Math.imul(hash, 31) + bytes[k]) | 0;
    const slot = (hash ^ (hash >>> 9)) & (SLOTS - 1);
    const cached = this.values[slot];
    this.lookups++;
    if (cached !== undefined && this.length[slot] === length && this.same(this.at[slot], start, length)) {
      this.hits++;
      return cached;
    }
    const value = make(start, end);
    this.values[slot] = value;
    this.at[slot] = start;
    this.length[slot] = length;
    if (this.lookups === TRIAL && this.hits < TRIAL / 4) this.on = false;
    return value;
  }

  private same(at: number, start: number, length: number): boolean {
    const bytes = this.bytes;
    for (let k = 0; k < length; k++) if (bytes[at + k] !== bytes[start + k]) return false;
    return true;
  }
}
