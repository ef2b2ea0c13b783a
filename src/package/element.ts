/**
 * `memory-r1-web/element`: registers `<memory-r1-chat>` and `<memory-r1-memories>` (for bundlers; importing it is
 * enough). The event details are typed in `GlobalEventHandlersEventMap` (`mr-answer`, `mr-memory-change`,
 * `mr-error`).
 */
import { defineEmbedElements } from '../app/define-embed';

defineEmbedElements();

export { MemoryR1Chat } from '../app/memory-r1-chat';
export { MemoryR1Memories } from '../app/memory-r1-memories';
export type { MrEventDetails } from '../app/events';
