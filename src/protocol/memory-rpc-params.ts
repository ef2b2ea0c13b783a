/**
 * The zod schemas of the memory worker's request params (`MemoryRpc`), which the worker checks before any work
 * (`checkedHandlers`), so a wrong param is refused with the method and the field named. Kept apart from the
 * protocol's types, which the page imports, so the page's bundle never carries them.
 */
import { z } from 'zod';
import { memoryFilterShape } from '../core/input-schemas';
import type { ParamSchemas } from '../core/parse-input';
import type { MemoryRpc } from './memory-protocol';
import { settingsSchema } from './settings';

const id = z.string().min(1);
const none = z.null();

/** The params of each `MemoryRpc` method. */
export const memoryRpcParams: ParamSchemas<MemoryRpc> = {
  configure: z.object({ settings: settingsSchema }),
  listConversations: none,
  createConversation: z.object({ title: z.string().optional() }),
  renameConversation: z.object({ id, title: z.string() }),
  deleteConversation: z.object({ id }),
  listMessages: z.object({ conversationId: id }),
  send: z.object({ conversationId: id, text: z.string() }),
  retryReply: z.object({ assistantMessageId: id }),
  listMemories: z.object({
    ...memoryFilterShape,
    query: z.string().optional(),
    limit: z.number().optional(),
  }),
  editMemory: z.object({ id, text: z.string() }),
  deleteMemory: z.object({ id }),
  undo: z.object({ batchId: id, messageId: id.optional() }),
  history: z.object({ memoryId: id.optional() }),
  failures: none,
  retryFailure: z.object({ turnId: id }),
  heldChanges: none,
  applyHeld: z.object({ turnId: id }),
  discardHeld: z.object({ turnId: id }),
  exportMemories: none,
  importMemories: z.object({ data: z.unknown() }),
  clearAll: none,
};
