/**
 * Pure planning of an import, shared by every `MemoryStore`: given a validated import (`parseImport`) and a lookup
 * of the current state, compute the records, events, batches and failures to write and the `ImportReport`.
 * A memory whose id already exists is never overwritten: identical content is `skipped`, different content is a
 * `conflict`. An IndexedDB store prefetches `importMemoryIds(parsed)` and the failure turn ids, then plans.
 *
 * Stable API: `planImport(state, parsed, ctx): ImportPlan`, `importMemoryIds(parsed)`, `ImportState`, `ImportPlan`.
 *
 * Rules: a full export's events for the new memories are imported in their order; they keep their `seq` numbers
 * when the store has no events yet (so export → clear → import is exact), otherwise they are renumbered from
 * `ctx.nextSeq`. Batch records are rebuilt from the imported events. Failures are added for turns that have none.
 * A plain list becomes ONE batch (`modelId: 'import'`, undoable as a whole) of ADD events, each at the entry's
 * `created_at` (else `updated_at`, else now).
 */
import type { ImportReport, MemoryEvent, MemoryRecord, TurnFailure } from '../../core/types';
import { type PlanContext, type PlannerState } from './batch-planner';
import type { BatchRecord } from './batch-record';
import { applyEvent, batchesFromEvents } from './event-replay';
import { newId } from '../../core/ids';
import { type ParsedImport, canonicalJson } from '../export-format';

/** What import planning reads besides memories and batches. */
export interface ImportState extends PlannerState {
  /** True when the store holds at least one audit event. */
  hasEvents(): boolean;
  hasFailure(turnId: string): boolean;
}

/** Everything a store writes for one import, in one transaction. */
export interface ImportPlan {
  records: MemoryRecord[];
  events: MemoryEvent[];
  batches: BatchRecord[];
  failures: TurnFailure[];
  report: ImportReport;
}

/** Memory ids an import may collide with, for prefetching. */
export function importMemoryIds(parsed: ParsedImport): string[] {
  return parsed.kind === 'export'
    ? parsed.document.memories.map((m) => m.id)
    : parsed.items.flatMap((item) => (item.id !== undefined ? [item.id] : []));
}

/** Plans an import; never throws for collisions (they go into the report), only for programming errors. */
export function planImport(state: ImportState, parsed: ParsedImport, ctx: PlanContext): ImportPlan {
  return parsed.kind === 'export'
    ? planExportImport(state, parsed, ctx)
    : planPlainImport(state, parsed, ctx);
}

function planExportImport(
  state: ImportState,
  parsed: Extract<ParsedImport, { kind: 'export' }>,
  ctx: PlanContext,
): ImportPlan {
  const { document } = parsed;
  const report: ImportReport = { added: 0, skipped: 0, conflicts: [] };
  const fresh = new Set<string>();
  const records: MemoryRecord[] = [];
  for (const memory of document.memories) {
    const existing = state.getMemory(memory.id);
    if (!existing) {
      fresh.add(memory.id);
      records.push(memory);
      report.added += 1;
    } else if (canonicalJson(existing) === canonicalJson(memory)) {
      report.skipped += 1;
    } else {
      report.conflicts.push({
        id: memory.id,
        reason:
          'A different memory with this id already exists; it was kept and the imported one was not added.',
      });
    }
  }
  const keepSeq = !state.hasEvents();
  const events = [...document.events]
    .sort((a, b) => a.seq - b.seq)
    .filter((e) => fresh.has(e.memoryId))
    .map((e, i) => (keepSeq ? { ...e } : { ...e, seq: ctx.nextSeq + i }));
  const batches = batchesFromEvents(events).filter((b) => !state.hasBatch(b.batchId));
  const failures = document.failures.filter((f) => !state.hasFailure(f.turnId));
  return { records, events, batches, failures, report };
}

function planPlainImport(
  state: ImportState,
  parsed: Extract<ParsedImport, { kind: 'plain' }>,
  ctx: PlanContext,
): ImportPlan {
  const makeId = ctx.newId ?? newId;
  const report: ImportReport = { added: 0, skipped: 0, conflicts: [] };
  const planned = new Map<string, MemoryRecord>();
  const events: MemoryEvent[] = [];
  const batchId = makeId();
  const applied: BatchRecord['applied'] = [];
  for (const item of parsed.items) {
    if (item.id !== undefined) {
      const existing = planned.get(item.id) ?? state.getMemory(item.id);
      if (existing) {
        if (existing.deletedAt === undefined && existing.text === item.text) report.skipped += 1;
        else {
          report.conflicts.push({
            id: item.id,
            reason:
              'A different memory with this id already exists; it was kept and this entry was not added.',
          });
        }
        continue;
      }
    }
    const id = item.id ?? makeId();
    const event: MemoryEvent = {
      seq: ctx.nextSeq + events.length,
      batchId,
      memoryId: id,
      type: 'ADD',
      before: null,
      after: item.text,
      modelId: 'import',
      ...(item.speaker !== undefined && { speaker: item.speaker }),
      ...(item.conversationId !== undefined && { conversationId: item.conversationId }),
      time: item.time ?? ctx.now,
    };
    events.push(event);
    planned.set(id, applyEvent(undefined, event));
    applied.push({ op: 'ADD', memoryId: id, text: item.text });
    report.added += 1;
  }
  const batches: BatchRecord[] =
    events.length > 0 ? [{ batchId, time: ctx.now, modelId: 'import', applied }] : [];
  return { records: [...planned.values()], events, batches, failures: [], report };
}
