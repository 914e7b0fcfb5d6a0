/**
 * Exact text of a DECIMAL: a 128-bit two's complement integer (four little-endian 32-bit words)
 * scaled by 10^-scale. Most stored decimals fit in a double's 53-bit integer range, where plain
 * number arithmetic is exact and several times cheaper than BigInt; the rest take the BigInt path.
 */

const TWO_32 = 2 ** 32;
const MAX_SAFE_HIGH = 2 ** 21; // high word of the largest magnitude below 2^53
/** 10^k is exact as a double up to 10^22; larger scales take the BigInt path. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

export function decimalText(words: Uint32Array, at: number, scale: number): string {
  const lo = words[at];
  const mid = words[at + 1];
  const w2 = words[at + 2];
  const w3 = words[at + 3];
  if (scale >= 0 && scale < POW10.length) {
    if (w3 === 0 && w2 === 0 && mid < MAX_SAFE_HIGH) return scaled(mid * TWO_32 + lo, false, scale);
    if (w3 === 0xffff_ffff && w2 === 0xffff_ffff && mid >= TWO_32 - MAX_SAFE_HIGH) {
      // The magnitude of a negative value is the two's complement of its low 64 bits.
      return scaled((TWO_32 - 1 - mid) * TWO_32 + (TWO_32 - lo), true, scale);
    }
  }
  return bigDecimalText(lo, mid, w2, w3, scale);
}

/** `magnitude` is an integer below 2^53, so `%` and the division below are exact. */
function scaled(magnitude: number, negative: boolean, scale: number): string {
  let text: string;
  if (scale === 0) {
    text = String(magnitude);
  } else {
    const unit = POW10[scale];
    const fraction = magnitude % unit;
    text = `${(magnitude - fraction) / unit}.${String(fraction).padStart(scale, '0')}`;
  }
  return negative ? `-${text}` : text;
}

function bigDecimalText(lo: number, mid: number, w2: number, w3: number, scale: number): string {
  let v = (BigInt(w3) << 96n) | (BigInt(w2) << 64n) | (BigInt(mid) << 32n) | BigInt(lo);
  if (v >= 1n << 127n) v -= 1n << 128n;
  const negative = v < 0n;
  let digits = (negative ? -v : v).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0) {
    digits = digits + '0'.repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}
