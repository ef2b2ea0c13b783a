/**
 * Retrieval-only evaluation on LoCoMo, no LLM involved: each conversation's memory bank is built straight from the
 * data (one memory per dialogue turn, "Speaker: text" plus the shared image's caption, or one per `observation`
 * annotation), every question is run through the project's real search (`InMemoryStore.search`: lexical, or
 * hybrid when an embedder is given), and evidence recall@k is measured: per question the share of its evidence
 * turns found in the top k (an observation covers the turns it cites), averaged overall and per category.
 * Category 5 (adversarial) is left out, as in the Memory-R1 tables, and so are questions without a retrievable
 * evidence turn (they are counted in `skipped`).
 */
import { throwIfAborted } from '../core/errors';
import type { CallOptions, Embedder, StoreOp } from '../core/types';
import { InMemoryStore } from '../store/in-memory-store';
import { LOCOMO_CATEGORIES, type LocomoCategoryName } from './metrics';
import { isAdversarial, type LocomoConversation, type LocomoQuestion } from './loaders/locomo';

/** Where the memory bank comes from: dialogue turns, or LoCoMo's `observation` annotations. */
export type RetrievalMemory = 'turns' | 'observations';

/** The categories reported (adversarial excluded). */
export const RETRIEVAL_CATEGORIES = ['single-hop', 'multi-hop', 'temporal', 'open-domain'] as const;

/** Recall at one k: overall and per category (`null` for a category without questions). */
export type RecallByCategory = { overall: number | null } & Record<
  (typeof RETRIEVAL_CATEGORIES)[number],
  number | null
>;

/** `summary.json` of a retrieval run, in the shape issue 6 fixes. */
export interface RetrievalSummary {
  dataset: string;
  memory: RetrievalMemory;
  /** Questions scored (category 1-4 with at least one evidence turn). */
  questions: number;
  /** Keyed by k ("10", "60"). */
  recall: Record<string, RecallByCategory>;
}

/** What else a run reports beside the summary (written to `summary.md`). */
export interface RetrievalDetails {
  /** Questions per category. */
  count: Record<(typeof RETRIEVAL_CATEGORIES)[number], number>;
  /** Category 1-4 questions left out because none of their evidence ids names a turn. */
  skipped: number;
  /** `lexical`, or `hybrid:<embedder id>`. */
  retriever: string;
  memories: number;
}

/** One question's outcome. */
export interface RetrievalRecord {
  id: string;
  category: LocomoCategoryName;
  question: string;
  evidence: string[];
  /** Evidence turns found within each k. */
  found: Record<string, string[]>;
  recall: Record<string, number>;
}

/** Options of `runRetrieval`. */
export interface RetrievalOptions extends CallOptions {
  dataset: string;
  conversations: LocomoConversation[];
  memory: RetrievalMemory;
  ks: number[];
  embedder?: Embedder;
  /** Called after each question (and once per conversation while it is embedded). */
  onProgress?: (done: number, total: number) => void;
}

/** A bank entry: the memory text and the dialogue turns it stands for. */
interface BankEntry {
  id: string;
  text: string;
  speaker: string;
  turns: string[];
}

/** The text a dialogue turn is remembered as: speaker, words, and the caption of a shared image. */
export function turnMemoryText(turn: { speaker: string; text: string; imageCaption?: string }): string {
  const caption = turn.imageCaption ? ` [shared an image: ${turn.imageCaption}]` : '';
  return `${turn.speaker}: ${turn.text}${caption}`;
}

function bankOf(conversation: LocomoConversation, memory: RetrievalMemory): BankEntry[] {
  if (memory === 'turns') {
    return conversation.sessions.flatMap((s) =>
      s.turns.map((t) => ({
        id: `${conversation.id}/${t.diaId}`,
        text: turnMemoryText(t),
        speaker: t.speaker,
        turns: [t.diaId],
      })),
    );
  }
  return conversation.observations.map((o, i) => ({
    id: `${conversation.id}/obs${i}`,
    text: o.text,
    speaker: o.speaker,
    turns: o.evidence,
  }));
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Runs the retrieval evaluation and returns the summary and one record per scored question. */
export async function runRetrieval(
  opts: RetrievalOptions,
): Promise<{ summary: RetrievalSummary; details: RetrievalDetails; records: RetrievalRecord[] }> {
  const ks = [...new Set(opts.ks)].sort((a, b) => a - b);
  const maxK = ks.at(-1) ?? 10;
  const scored: { conversation: LocomoConversation; question: LocomoQuestion }[] = [];
  let skipped = 0;
  for (const conversation of opts.conversations) {
    for (const question of conversation.questions) {
      if (isAdversarial(question)) continue;
      if (question.evidence.length === 0) skipped += 1;
      else scored.push({ conversation, question });
    }
  }
  const records: RetrievalRecord[] = [];
  let memories = 0;
  let done = 0;
  for (const conversation of opts.conversations) {
    throwIfAborted(opts.signal);
    const questions = scored.filter((s) => s.conversation === conversation).map((s) => s.question);
    if (questions.length === 0) continue;
    const bank = bankOf(conversation, opts.memory);
    memories += bank.length;
    const store = new InMemoryStore();
    const ops: StoreOp[] = bank.map((b) => ({ op: 'ADD', id: b.id, text: b.text, speaker: b.speaker }));
    await store.apply({ conversationId: conversation.id, ops }, { signal: opts.signal });
    const turnsOf = new Map(bank.map((b) => [b.id, b.turns]));
    let queryVectors: Float32Array[] | undefined;
    if (opts.embedder) {
      const passages = await opts.embedder.embed(
        bank.map((b) => b.text),
        'passage',
        { signal: opts.signal },
      );
      await store.putEmbeddings(
        opts.embedder.id,
        bank.map((b, i) => ({ text: b.text, vector: passages[i]! })),
      );
      queryVectors = await opts.embedder.embed(
        questions.map((q) => q.question),
        'query',
        { signal: opts.signal },
      );
    }
    for (const [qi, question] of questions.entries()) {
      const hits = await store.search(
        {
          text: question.question,
          conversationId: conversation.id,
          limit: maxK,
          ...(queryVectors && opts.embedder && { vector: queryVectors[qi], embedderId: opts.embedder.id }),
        },
        { signal: opts.signal },
      );
      const found: Record<string, string[]> = {};
      const recall: Record<string, number> = {};
      for (const k of ks) {
        const covered = new Set(hits.slice(0, k).flatMap((h) => turnsOf.get(h.memory.id) ?? []));
        found[k] = question.evidence.filter((e) => covered.has(e));
        recall[k] = found[k].length / question.evidence.length;
      }
      records.push({
        id: question.id,
        category: LOCOMO_CATEGORIES[question.category],
        question: question.question,
        evidence: question.evidence,
        found,
        recall,
      });
      done += 1;
      opts.onProgress?.(done, scored.length);
    }
  }
  const recall: Record<string, RecallByCategory> = {};
  for (const k of ks) {
    const byCategory = (name: LocomoCategoryName) =>
      mean(records.filter((r) => r.category === name).map((r) => r.recall[k]!));
    recall[k] = {
      overall: mean(records.map((r) => r.recall[k]!)),
      'single-hop': byCategory('single-hop'),
      'multi-hop': byCategory('multi-hop'),
      temporal: byCategory('temporal'),
      'open-domain': byCategory('open-domain'),
    };
  }
  const countOf = (name: LocomoCategoryName) => records.filter((r) => r.category === name).length;
  return {
    summary: { dataset: opts.dataset, memory: opts.memory, questions: records.length, recall },
    details: {
      count: {
        'single-hop': countOf('single-hop'),
        'multi-hop': countOf('multi-hop'),
        temporal: countOf('temporal'),
        'open-domain': countOf('open-domain'),
      },
      skipped,
      retriever: opts.embedder ? `hybrid:${opts.embedder.id}` : 'lexical',
      memories,
    },
    records,
  };
}
