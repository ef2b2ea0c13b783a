/** Identifiers and text hashes shared by the stores and agents. */

/** A new random id (UUID v4). */
export function newId(): string {
  return crypto.randomUUID();
}

const encoder = new TextEncoder();
/** Reused buffer for a text's UTF-8 bytes (grown when a longer text comes). */
let bytes = new Uint8Array(1024);

/**
 * A 64-bit FNV-1a hash of a text, as 16 hex digits; keys embeddings by content so a changed text is re-embedded.
 * Computed on two 32-bit halves (the prime is 2⁴⁰ + 0x1b3, so a multiply is one small product plus a shift), which
 * is an order of magnitude faster than BigInt arithmetic and gives the same digits.
 * @example textHash('hello') // => 'a430d84680aabd0b'
 */
export function textHash(text: string): string {
  if (bytes.length < text.length * 3) bytes = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, bytes);
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < written; i++) {
    lo = (lo ^ bytes[i]!) >>> 0;
    const low = lo * 0x1b3;
    // low < 2⁴¹, so its high part (< 2⁹) truncates exactly with `| 0`.
    hi = (Math.imul(hi, 0x1b3) + ((low / 0x100000000) | 0) + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
