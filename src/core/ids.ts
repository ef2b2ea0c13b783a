/** Identifiers and text hashes shared by the stores and agents. */

/** A new random id (UUID v4). */
export function newId(): string {
  return crypto.randomUUID();
}

/**
 * A 64-bit FNV-1a hash of a text, as 16 hex digits; keys embeddings by content so a changed text is re-embedded.
 * @example textHash('hello') // => 'a430d84680aabd0b'
 */
export function textHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}
