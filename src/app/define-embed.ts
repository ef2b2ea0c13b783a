/**
 * Registers the embeddable elements, `<memory-r1-chat>` and `<memory-r1-memories>`, with the app's views they are
 * made of (`mr-chat`, `mr-memory-inspector` and their parts). Only these modules are in the package's element
 * bundle, not the rest of the app.
 */
import { MemoryR1Chat } from './memory-r1-chat';
import { MemoryR1Memories } from './memory-r1-memories';
import { MrChat } from './mr-chat';
import { MrHeldChanges } from './mr-held-changes';
import { MrMemoryPass } from './mr-memory-pass';
import { MrMemoryInspector } from './mr-memory-inspector';
import { MrUsedMemories } from './mr-used-memories';
import { defineAll } from './register';

/** The tags the package defines: its two public elements and the app views inside them. */
export const EMBED_ELEMENTS = [
  ['mr-memory-pass', MrMemoryPass],
  ['mr-used-memories', MrUsedMemories],
  ['mr-held-changes', MrHeldChanges],
  ['mr-chat', MrChat],
  ['mr-memory-inspector', MrMemoryInspector],
  ['memory-r1-chat', MemoryR1Chat],
  ['memory-r1-memories', MemoryR1Memories],
] as const;

/** Defines `<memory-r1-chat>`, `<memory-r1-memories>` and the views inside them (tags already defined are kept). */
export function defineEmbedElements(): void {
  defineAll(EMBED_ELEMENTS);
}
