/**
 * Memory banks for the RL datasets: what the memory of a LoCoMo conversation holds after any turn, and which facts
 * each turn contributed. A bank comes either from LoCoMo's `observation` annotations (each observation is a fact of
 * its latest evidence turn and a memory from then on; no model needed) or from running the project's Memory Manager
 * over every turn with a given model (facts as it extracted them, memories as it wrote them). Both are recorded as
 * a timeline of writes keyed by turn index, so the temporal bank before any turn (Memory Manager items) and the
 * final bank (Answer Agent items) come from one pass over the conversation.
 */
import { throwIfAborted } from '../core/errors';
import { MemoryManager } from '../core/memory-manager';
import type { CallOptions, ChatMessage, ChatModel, MemoryRecord } from '../core/types';
import type { LocomoConversation, LocomoTurn } from '../eval/loaders/locomo-format';
import { InMemoryStore } from '../store/in-memory-store';

/** Where a bank's memories come from. */
export type BankSource = 'observations' | 'model';

/** One memory of a bank, as the datasets carry it. */
export interface BankMemory {
  id: string;
  text: string;
  speaker?: string;
}

/** A write to the bank: after turn `turnIndex`, memory `id` holds `text` (`null`: deleted). */
interface BankWrite {
  turnIndex: number;
  id: string;
  text: string | null;
  speaker?: string;
}

/** A conversation's memory timeline (see the module comment). */
export interface ConversationBank {
  conversationId: string;
  source: BankSource;
  /** Every turn, in conversation order. */
  turns: LocomoTurn[];
  /** Time of each turn (epoch ms): its session's date, else the last dated session before it, else 0. */
  turnTimes: number[];
  /** Facts each turn contributed, by turn index. */
  facts: string[][];
  writes: BankWrite[];
  /** Turns the Memory Manager failed on (model banks only); their facts and writes are missing. */
  failedTurns: string[];
}

/** The text a turn is processed as: its words and the caption of an image the speaker shared. */
export function turnText(turn: LocomoTurn): string {
  return turn.imageCaption ? `${turn.text} [shared an image: ${turn.imageCaption}]` : turn.text;
}

function timesOf(turns: readonly LocomoTurn[]): number[] {
  let last = 0;
  return turns.map((t) => {
    if (t.time !== undefined) last = t.time;
    return last;
  });
}

/**
 * The bank given by LoCoMo's observations: each observation is written at its latest evidence turn (the last turn
 * of its session when its evidence names no turn of the conversation).
 */
export function observationBank(conversation: LocomoConversation): ConversationBank {
  const turns = conversation.sessions.flatMap((s) => s.turns);
  const indexOf = new Map(turns.map((t, i) => [t.diaId, i]));
  const lastOfSession = new Map<number, number>();
  turns.forEach((t, i) => lastOfSession.set(t.session, i));
  const facts: string[][] = turns.map(() => []);
  const writes: BankWrite[] = [];
  conversation.observations.forEach((o, n) => {
    const positions = o.evidence.map((id) => indexOf.get(id)).filter((i): i is number => i !== undefined);
    const turnIndex = positions.length > 0 ? Math.max(...positions) : lastOfSession.get(o.session);
    if (turnIndex === undefined) return;
    facts[turnIndex]!.push(o.text);
    writes.push({ turnIndex, id: `${conversation.id}/obs${n}`, text: o.text, speaker: o.speaker });
  });
  writes.sort((a, b) => a.turnIndex - b.turnIndex);
  return {
    conversationId: conversation.id,
    source: 'observations',
    turns,
    turnTimes: timesOf(turns),
    facts,
    writes,
    failedTurns: [],
  };
}

/** Options of `modelBank`. */
export interface ModelBankOptions extends CallOptions {
  model: ChatModel;
  /** Called after each turn with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The bank the Memory Manager builds with `model`, turn by turn (as the evaluation ingests a conversation). Turns
 * that fail even after one retry are listed in `failedTurns`; their facts are empty.
 */
export async function modelBank(
  conversation: LocomoConversation,
  opts: ModelBankOptions,
): Promise<ConversationBank> {
  const turns = conversation.sessions.flatMap((s) => s.turns);
  const turnTimes = timesOf(turns);
  const store = new InMemoryStore();
  const manager = new MemoryManager({ model: opts.model, store, scope: 'conversation' });
  const facts: string[][] = turns.map(() => []);
  const turnIdOf = (t: LocomoTurn) => `${conversation.id}/${t.diaId}`;
  const context: ChatMessage[] = [];
  for (let i = 0; i < turns.length; i++) {
    throwIfAborted(opts.signal);
    const t = turns[i]!;
    const input = {
      conversationId: conversation.id,
      turnId: turnIdOf(t),
      speaker: t.speaker,
      text: turnText(t),
      time: turnTimes[i]!,
      context: context.slice(-4),
    };
    let result = await manager.processTurn(input, { signal: opts.signal });
    if (result.status === 'failed') result = await manager.processTurn(input, { signal: opts.signal });
    facts[i] = result.facts;
    context.push({ role: 'user', content: `${t.speaker}: ${turnText(t)}` });
    opts.onProgress?.(i + 1, turns.length);
  }
  const indexOfTurn = new Map(turns.map((t, i) => [turnIdOf(t), i]));
  const writes: BankWrite[] = [];
  for (const e of await store.history()) {
    const turnIndex = e.turnId !== undefined ? indexOfTurn.get(e.turnId) : undefined;
    if (turnIndex === undefined) continue;
    writes.push({ turnIndex, id: e.memoryId, text: e.after, speaker: e.speaker });
  }
  const failedTurns = (await store.failures()).map((f) => f.turnId);
  return { conversationId: conversation.id, source: 'model', turns, turnTimes, facts, writes, failedTurns };
}

/**
 * The memories live just before turn `turnIndex` that were last written by one of the `window` turns before it
 * (the temporal bank of a Memory Manager item), oldest write first. `window` = Infinity keeps every live memory.
 */
export function bankBefore(bank: ConversationBank, turnIndex: number, window = Infinity): BankMemory[] {
  const state = new Map<string, { memory: BankMemory; writtenAt: number }>();
  for (const w of bank.writes) {
    if (w.turnIndex >= turnIndex) break;
    state.delete(w.id);
    if (w.text !== null) {
      state.set(w.id, {
        memory: { id: w.id, text: w.text, ...(w.speaker !== undefined && { speaker: w.speaker }) },
        writtenAt: w.turnIndex,
      });
    }
  }
  return [...state.values()].filter((s) => s.writtenAt >= turnIndex - window).map((s) => s.memory);
}

/** Every memory live after the last turn (the bank an Answer Agent item retrieves from). */
export function finalBank(bank: ConversationBank): BankMemory[] {
  return bankBefore(bank, bank.turns.length);
}

/** An in-memory store holding `memories` (ids kept), written as one batch at `time`. */
export async function storeOf(
  memories: readonly BankMemory[],
  conversationId: string,
  time = 0,
): Promise<InMemoryStore> {
  const store = new InMemoryStore({ now: () => time });
  if (memories.length > 0) {
    await store.apply({
      conversationId,
      time,
      ops: memories.map((m) => ({
        op: 'ADD',
        id: m.id,
        text: m.text,
        conversationId,
        ...(m.speaker !== undefined && { speaker: m.speaker }),
      })),
    });
  }
  return store;
}

/** Bank memories as plain data, from store records. */
export function toBankMemories(records: readonly MemoryRecord[]): BankMemory[] {
  return records.map((r) => ({
    id: r.id,
    text: r.text,
    ...(r.speaker !== undefined && { speaker: r.speaker }),
  }));
}
