/**
 * The pass journal's records as stores keep them: one entry per turn whose Memory Manager pass started and has not
 * ended (`pending`: running or interrupted) or waits for the user's review (`held`). The zod schema validates an
 * entry before it is written and whenever it is read back, and `byTurnTime` is the order `passes()` lists them in.
 * Entries are not part of the export format: they are the state of work in progress, not memories.
 */
import { z } from 'zod';
import type { PassRecord } from '../../core/types';

const str = z.string();
const time = z.number().nonnegative();
const expectedSchema = z.strictObject({ text: str });

/** One store operation, as a held pass keeps it and as `apply` takes it (store-input.ts). */
export const storeOpSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('ADD'),
    text: str,
    id: str.min(1).optional(),
    speaker: str.optional(),
    conversationId: str.optional(),
  }),
  z.strictObject({ op: z.literal('UPDATE'), id: str.min(1), text: str, expected: expectedSchema.optional() }),
  z.strictObject({ op: z.literal('DELETE'), id: str.min(1), expected: expectedSchema.optional() }),
]);

const turnShape = {
  turnId: str.min(1),
  conversationId: str.optional(),
  speaker: str.optional(),
  text: str,
  turnTime: time,
};

/** Validates a pass journal entry (written or read back). */
export const passRecordSchema: z.ZodType<PassRecord> = z.discriminatedUnion('state', [
  z.strictObject({
    state: z.literal('pending'),
    ...turnShape,
    startedAt: time,
    resumes: z.number().int().nonnegative(),
  }),
  z.strictObject({
    state: z.literal('held'),
    ...turnShape,
    ops: z.array(storeOpSchema),
    modelId: str.optional(),
    reason: str,
    heldAt: time,
  }),
]);

/** Oldest turn first (ties by turn id), the order `MemoryStore.passes()` lists entries in. */
export function byTurnTime(a: PassRecord, b: PassRecord): number {
  return a.turnTime - b.turnTime || (a.turnId < b.turnId ? -1 : a.turnId > b.turnId ? 1 : 0);
}
