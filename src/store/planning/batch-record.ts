/** The stored batch record, shared by the batch planner, event replay and the stores' rows. */
import type { AppliedOp } from '../../core/types';

/** A stored batch: what `apply` did, kept so `findTurn`, duplicate detection and `undo` work. */
export interface BatchRecord {
  batchId: string;
  turnId?: string;
  time: number;
  modelId?: string;
  speaker?: string;
  conversationId?: string;
  applied: AppliedOp[];
  /** When the batch was undone; an undone batch no longer counts as having processed its turn. */
  undoneAt?: number;
}
