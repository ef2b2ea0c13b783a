/**
 * Resolving the Memory Manager's decision: the model names memories by short aliases ("0", "1", ...: indices into
 * the memories it was shown); `resolveOperations` maps them back to store operations and rejects, one by one, the
 * operations that are invalid or would contradict each other, the turn's earlier groups of facts, or the user.
 */
import type { DecidedOperation } from './schemas';
import type { MemoryRecord, StoreOp } from './types';
import type { RejectedOperation, TurnInput } from './memory-manager-types';

/** A text compared case- and whitespace-insensitively (repeated facts, repeated ADDs). */
export const normalize = (text: string): string => text.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * Maps the model's operations (aliases) back to store operations and rejects the invalid ones: unknown alias,
 * ADD/UPDATE without text, DELETE/UPDATE/NOOP without id, several changes to one memory (all of them are rejected,
 * since the model contradicted itself), and ADDs that repeat a shown memory or an earlier ADD. An UPDATE that
 * leaves the text unchanged is a NOOP. NOOPs are dropped: they change nothing. `earlier` holds the operations
 * already planned for the same turn (by earlier groups of facts): a change to a memory they change is rejected
 * (a store batch changes each memory at most once) and an ADD repeating theirs counts as a repeated ADD. A change
 * to a memory in `keep` (ids the user edited after an earlier decision was shown them) is rejected. Every UPDATE
 * and DELETE carries the text it was decided against as `expected`, so the store refuses it if that changed.
 */
export function resolveOperations(
  decided: readonly DecidedOperation[],
  shown: readonly MemoryRecord[],
  turn: Pick<TurnInput, 'speaker' | 'conversationId'>,
  earlier: readonly StoreOp[] = [],
  keep: ReadonlySet<string> = new Set(),
): { ops: StoreOp[]; rejected: RejectedOperation[] } {
  const rejected: RejectedOperation[] = [];
  const changedEarlier = new Set(earlier.flatMap((op) => (op.op === 'ADD' ? [] : [op.id])));
  const byAlias = new Map(shown.map((m, i) => [String(i), m]));
  const shownTexts = new Map(shown.map((m, i) => [normalize(m.text), String(i)]));
  const changesPerAlias = new Map<string, number>();
  for (const d of decided) {
    const alias = d.id?.trim();
    if (d.op !== 'ADD' && d.op !== 'NOOP' && alias !== undefined && byAlias.has(alias)) {
      changesPerAlias.set(alias, (changesPerAlias.get(alias) ?? 0) + 1);
    }
  }
  const ops: StoreOp[] = [];
  const addedTexts = new Set(earlier.flatMap((op) => (op.op === 'ADD' ? [normalize(op.text)] : [])));
  for (const d of decided) {
    const alias = d.id?.trim() || undefined;
    const text = d.text?.trim() || undefined;
    const reject = (reason: string) => rejected.push({ op: d, reason });
    if (d.op === 'ADD') {
      if (text === undefined) {
        reject('ADD without text');
        continue;
      }
      const key = normalize(text);
      const same = shownTexts.get(key);
      if (same !== undefined) {
        reject(`ADD repeats existing memory ${same}`);
        continue;
      }
      if (addedTexts.has(key)) {
        reject('ADD repeats an earlier ADD of this turn');
        continue;
      }
      addedTexts.add(key);
      ops.push({ op: 'ADD', text, speaker: turn.speaker, conversationId: turn.conversationId });
      continue;
    }
    if (alias === undefined) {
      reject(`${d.op} without id`);
      continue;
    }
    const memory = byAlias.get(alias);
    if (memory === undefined) {
      reject(`${d.op} names unknown memory id "${alias}"`);
      continue;
    }
    if (d.op === 'NOOP') continue;
    if ((changesPerAlias.get(alias) ?? 0) > 1) {
      reject(`conflicting operations on memory ${alias}`);
      continue;
    }
    const expected = { text: memory.text };
    let op: StoreOp;
    if (d.op === 'DELETE') {
      op = { op: 'DELETE', id: memory.id, expected };
    } else if (text === undefined) {
      reject('UPDATE without text');
      continue;
    } else if (text === memory.text) {
      continue;
    } else {
      op = { op: 'UPDATE', id: memory.id, text, expected };
    }
    if (changedEarlier.has(memory.id)) {
      reject(`${d.op} of memory ${alias}, which an earlier group of this turn's facts already changed`);
      continue;
    }
    if (keep.has(memory.id)) {
      reject(
        `${d.op} of memory ${alias}, which the user edited while this turn was processed; their edit is kept`,
      );
      continue;
    }
    ops.push(op);
  }
  return { ops, rejected };
}
