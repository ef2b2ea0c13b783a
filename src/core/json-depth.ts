/**
 * How deeply JSON text nests arrays and objects, counted on the text itself: no parsing and no recursion, so a
 * hostile document nested a million levels deep costs one pass and no stack. Imports use it in the page before the
 * document is posted to the worker (structured cloning recurses, and overflows the stack on such a document), and
 * the store's import validation accepts the same depth.
 */

/** Deepest nesting of arrays and objects an import may have; a memory export is 4 levels deep. */
export const MAX_IMPORT_DEPTH = 32;

/**
 * The deepest nesting of arrays and objects in JSON text (the top-level value counts as level 1), without parsing
 * it; brackets inside strings do not count. Stops reading once the depth passes `stopAbove`. Text that is not JSON
 * gets a number too (its brackets are counted the same way), so check validity separately.
 * @example jsonNestingDepth('{"a": [1, "]["]}') // => 2
 * @example jsonNestingDepth('[[[[]]]]', 2)       // => 3 (stopped once past 2)
 */
export function jsonNestingDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return deepest;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
