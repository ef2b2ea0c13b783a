/**
 * Retrieval-only evaluation on LoCoMo, no LLM involved: each conversation's memory bank is built straight from the
 * data (one memory per dialogue turn, `turnBankText`, or one per `observation` annotation), every question is run
 * through the project's search (`HybridIndex`, the index every `MemoryStore` searches with: lexical, or hybrid
 * when an embedder is given), and evidence recall@k is measured: per question the share of its evidence turns
 * found in the top k (an observation covers the turns it cites), averaged overall and per category.
 * Category 5 (adversarial) is left out, as in the Memory-R1 tables, and so are questions without a retrievable
 * evidence turn (they are counted in `skipped`).
 *
 * The bank is embedded once (`prepareRetrieval`) and can then be searched under several settings
 * (`measureRetrieval`): lexical and hybrid in the same run, or every fusion weight of a sweep (retrieval-sweep.ts).
 */
import { throwIfAborted } from '../core/errors';
import type { CallOptions, Embedder } from '../core/types';
import { HybridIndex } from '../store/search/hybrid-search';
import { LOCOMO_CATEGORIES, type LocomoCategoryName } from '../core/benchmark-types';
import {
  isAdversarial,
  type LocomoConversation,
  type LocomoQuestion,
  type LocomoSession,
} from './loaders/locomo-format';

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
  /** For a hybrid run: recall of lexical search alone on the same bank, keyed by k. */
  lexical?: Record<string, RecallByCategory>;
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

/** How a prepared bank is searched: lexical only, or hybrid with an optional fusion weight (default the index's). */
export type RetrievalMode = { retriever: 'lexical' } | { retriever: 'hybrid'; lexicalWeight?: number };

/** Options of `prepareRetrieval`. */
export interface PrepareOptions extends CallOptions {
  conversations: LocomoConversation[];
  memory: RetrievalMemory;
  embedder?: Embedder;
  /** Called as memories and questions are embedded. */
  onProgress?: (done: number, total: number) => void;
}

/** Options of `runRetrieval`. */
export interface RetrievalOptions extends PrepareOptions {
  dataset: string;
  ks: number[];
}

/** A bank entry: the memory text and the dialogue turns it stands for. */
interface BankEntry {
  id: string;
  text: string;
  speaker: string;
  turns: string[];
}

/** One conversation's bank and scored questions, with their vectors when an embedder was given. */
interface PreparedConversation {
  id: string;
  bank: BankEntry[];
  questions: LocomoQuestion[];
  passages?: Float32Array[];
  queries?: Float32Array[];
}

/** Banks and questions of a run, embedded once, ready for `measureRetrieval`. */
export interface PreparedRetrieval {
  memory: RetrievalMemory;
  conversations: PreparedConversation[];
  /** Category 1-4 questions without a retrievable evidence turn. */
  skipped: number;
  /** The embedder's id, when the bank was embedded. */
  embedderId?: string;
}

/** The text a dialogue turn is remembered as: speaker, words, and the caption of a shared image. */
export function turnMemoryText(turn: { speaker: string; text: string; imageCaption?: string }): string {
  const caption = turn.imageCaption ? ` [shared an image: ${turn.imageCaption}]` : '';
  return `${turn.speaker}: ${turn.text}${caption}`;
}

/**
 * The text a turn is stored as in a bank of turns (the retrieval evaluation's and the rag-turns baseline's): the
 * session's date, `turnMemoryText`, and, when the turn before it in the session asked a question, that turn, so a
 * reply such as "5 years already!" carries what it answers. Both additions were measured on LoCoMo's training
 * conversation and kept because they raise lexical and hybrid recall (docs/performance.md, "Retrieval quality").
 * @example turnBankText({ index: 1, dateTime: '1 May 2023', turns }, 1)
 * // => '[1 May 2023] Ben: Five years. (in reply to Ana: How long have you been married?)'
 */
export function turnBankText(
  session: Pick<LocomoSession, 'index' | 'dateTime' | 'turns'>,
  index: number,
): string {
  const turn = session.turns[index]!;
  const previous = index > 0 ? session.turns[index - 1] : undefined;
  const reply = previous?.text.includes('?') ? ` (in reply to ${turnMemoryText(previous)})` : '';
  return `[${session.dateTime ?? `session ${session.index}`}] ${turnMemoryText(turn)}${reply}`;
}

function bankOf(conversation: LocomoConversation, memory: RetrievalMemory): BankEntry[] {
  if (memory === 'turns') {
    return conversation.sessions.flatMap((s) =>
      s.turns.map((t, i) => ({
        id: `${conversation.id}/${t.diaId}`,
        text: turnBankText(s, i),
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

/** Texts per embed call while preparing, so progress moves and an abort lands between calls. */
const EMBED_CHUNK = 64;

/** Builds every conversation's bank and, with an embedder, embeds its memories and questions. */
export async function prepareRetrieval(opts: PrepareOptions): Promise<PreparedRetrieval> {
  let skipped = 0;
  const conversations: PreparedConversation[] = [];
  for (const conversation of opts.conversations) {
    const questions: LocomoQuestion[] = [];
    for (const question of conversation.questions) {
      if (isAdversarial(question)) continue;
      if (question.evidence.length === 0) skipped += 1;
      else questions.push(question);
    }
    if (questions.length > 0) {
      conversations.push({ id: conversation.id, bank: bankOf(conversation, opts.memory), questions });
    }
  }
  const { embedder } = opts;
  if (embedder) {
    const total = conversations.reduce((n, c) => n + c.bank.length + c.questions.length, 0);
    let done = 0;
    const embed = async (texts: string[], kind: 'passage' | 'query'): Promise<Float32Array[]> => {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += EMBED_CHUNK) {
        throwIfAborted(opts.signal);
        const chunk = texts.slice(start, start + EMBED_CHUNK);
        vectors.push(...(await embedder.embed(chunk, kind, { signal: opts.signal })));
        done += chunk.length;
        opts.onProgress?.(done, total);
      }
      return vectors;
    };
    for (const c of conversations) {
      c.passages = await embed(
        c.bank.map((b) => b.text),
        'passage',
      );
      c.queries = await embed(
        c.questions.map((q) => q.question),
        'query',
      );
    }
  }
  return {
    memory: opts.memory,
    conversations,
    skipped,
    ...(embedder && { embedderId: embedder.id }),
  };
}

/** Builds the search index of one prepared conversation (vectors only when searching hybrid). */
function indexOf(c: PreparedConversation, mode: RetrievalMode, embedderId: string | undefined): HybridIndex {
  const index = new HybridIndex(
    mode.retriever === 'hybrid' && mode.lexicalWeight !== undefined
      ? { lexicalWeight: mode.lexicalWeight }
      : {},
  );
  // One batch: every memory gets the same time, as when a store applies them together.
  c.bank.forEach((b) => index.add({ id: b.id, text: b.text, speaker: b.speaker, updatedAt: 0 }));
  if (mode.retriever === 'hybrid') {
    if (!c.passages || embedderId === undefined) throw new Error('hybrid retrieval needs an embedded bank');
    c.bank.forEach((b, i) => index.setVector(b.id, embedderId, c.passages![i]!));
  }
  return index;
}

/** Searches every prepared question under one setting and scores evidence recall at each k. */
export function measureRetrieval(
  prepared: PreparedRetrieval,
  ks: readonly number[],
  mode: RetrievalMode,
): { recall: Record<string, RecallByCategory>; records: RetrievalRecord[] } {
  const sorted = [...new Set(ks)].sort((a, b) => a - b);
  const maxK = sorted.at(-1) ?? 10;
  const { embedderId } = prepared;
  const records: RetrievalRecord[] = [];
  for (const c of prepared.conversations) {
    const index = indexOf(c, mode, embedderId);
    const turnsOf = new Map(c.bank.map((b) => [b.id, b.turns]));
    c.questions.forEach((question, qi) => {
      const hits = index.search({
        text: question.question,
        limit: maxK,
        ...(mode.retriever === 'hybrid' && { vector: c.queries![qi], embedderId }),
      });
      const found: Record<string, string[]> = {};
      const recall: Record<string, number> = {};
      for (const k of sorted) {
        const covered = new Set(hits.slice(0, k).flatMap((h) => turnsOf.get(h.id) ?? []));
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
    });
  }
  const recall: Record<string, RecallByCategory> = {};
  for (const k of sorted) {
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
  return { recall, records };
}

/**
 * Runs the retrieval evaluation and returns the summary and one record per scored question: hybrid search when an
 * embedder is given (with lexical search on the same bank in `details.lexical`), lexical search otherwise.
 */
export async function runRetrieval(
  opts: RetrievalOptions,
): Promise<{ summary: RetrievalSummary; details: RetrievalDetails; records: RetrievalRecord[] }> {
  const prepared = await prepareRetrieval(opts);
  throwIfAborted(opts.signal);
  const lexical = measureRetrieval(prepared, opts.ks, { retriever: 'lexical' });
  const main = opts.embedder ? measureRetrieval(prepared, opts.ks, { retriever: 'hybrid' }) : lexical;
  const countOf = (name: LocomoCategoryName) => main.records.filter((r) => r.category === name).length;
  return {
    summary: {
      dataset: opts.dataset,
      memory: opts.memory,
      questions: main.records.length,
      recall: main.recall,
    },
    details: {
      count: {
        'single-hop': countOf('single-hop'),
        'multi-hop': countOf('multi-hop'),
        temporal: countOf('temporal'),
        'open-domain': countOf('open-domain'),
      },
      skipped: prepared.skipped,
      retriever: opts.embedder ? `hybrid:${opts.embedder.id}` : 'lexical',
      memories: prepared.conversations.reduce((n, c) => n + c.bank.length, 0),
      ...(opts.embedder && { lexical: lexical.recall }),
    },
    records: main.records,
  };
}
