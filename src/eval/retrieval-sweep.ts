/**
 * Choosing `HybridIndex`'s fusion weight on data (`npm run eval -- retrieval-sweep`): the banks of turns and of
 * observations are embedded once, every lexical weight of a grid over [0, 1] is measured on both, and the weight
 * kept is the one with the highest mean evidence recall over every k and both banks among the weights whose
 * recall is at least lexical search's and dense search's at every k on every bank. Means closer than `TIE` count
 * as equal, and a tie goes to the larger lexical weight: keyword search is the stronger input on LoCoMo and the
 * one hybrid search must never fall below, so among equals the weight leaning on it is the safer bet on unseen
 * conversations. Weight 1 ranks as lexical search and weight 0 as dense search (fusion.ts), so the chosen weight
 * is never worse than the better input on the data it was chosen on. Run it on the training split only, and check
 * the weight on the validation split.
 */
import { markdownTable, percent } from '../node/report';
import { measureRetrieval, type PreparedRetrieval, type RetrievalMemory } from './retrieval';

/** Overall recall per k (in the order of `ks`) for each bank. */
export type RecallCurves = Partial<Record<RetrievalMemory, number[]>>;

/** One weight of the sweep. */
export interface SweepRow {
  lexicalWeight: number;
  recall: RecallCurves;
  /** Mean of every recall@k over every bank: what the sweep maximizes. */
  mean: number;
  /** Whether recall is at least lexical's and dense's at every k on every bank. */
  dominates: boolean;
}

/** A sweep's measurements and the weight it keeps. */
export interface SweepResult {
  ks: number[];
  lexical: RecallCurves;
  dense: RecallCurves;
  rows: SweepRow[];
  chosen: SweepRow;
}

/**
 * Differences in mean recall below this are ties: on LoCoMo's training conversation one question gaining or
 * losing one evidence turn at one k on one bank moves the mean by 1 / (150 questions × 10 recalls) ≈ 0.0007.
 */
export const TIE = 0.001;

/** The default grid: 0, 0.05, ..., 1. */
export const SWEEP_WEIGHTS = Array.from({ length: 21 }, (_, i) => i / 20);

function overallCurve(prepared: PreparedRetrieval, ks: number[], lexicalWeight?: number): number[] {
  const { recall } = measureRetrieval(
    prepared,
    ks,
    lexicalWeight === undefined ? { retriever: 'lexical' } : { retriever: 'hybrid', lexicalWeight },
  );
  return ks.map((k) => recall[k]?.overall ?? 0);
}

/** Measures every weight on every prepared (embedded) bank and picks one (see the module header). */
export function sweepFusionWeight(
  banks: readonly PreparedRetrieval[],
  ks: readonly number[],
  weights: readonly number[] = SWEEP_WEIGHTS,
): SweepResult {
  const sortedKs = [...new Set(ks)].sort((a, b) => a - b);
  const curves = (weight?: number): RecallCurves =>
    Object.fromEntries(banks.map((b) => [b.memory, overallCurve(b, sortedKs, weight)]));
  const lexical = curves();
  const dense = curves(0);
  const rows = weights.map((lexicalWeight): SweepRow => {
    const recall = curves(lexicalWeight);
    const all = banks.flatMap((b) => recall[b.memory]!);
    const dominates = banks.every((b) =>
      recall[b.memory]!.every((r, i) => r >= Math.max(lexical[b.memory]![i]!, dense[b.memory]![i]!) - 1e-12),
    );
    return { lexicalWeight, recall, mean: all.reduce((a, b) => a + b, 0) / all.length, dominates };
  });
  const candidates = rows.some((r) => r.dominates) ? rows.filter((r) => r.dominates) : rows;
  const best = Math.max(...candidates.map((r) => r.mean));
  const chosen = candidates
    .filter((r) => r.mean >= best - TIE)
    .reduce((a, b) => (b.lexicalWeight > a.lexicalWeight ? b : a));
  return { ks: sortedKs, lexical, dense, rows, chosen };
}

/** The sweep as Markdown: one row per weight (mean, then recall@k per bank), inputs first, the choice marked. */
export function sweepTable(result: SweepResult): string {
  const memories = Object.keys(result.lexical) as RetrievalMemory[];
  const columns = ['mean', ...memories.flatMap((m) => result.ks.map((k) => `${m} @${k}`))];
  const row = (name: string, recall: RecallCurves, mean?: number) => ({
    name,
    values: Object.fromEntries([
      ['mean', mean],
      ...memories.flatMap((m) => result.ks.map((k, i) => [`${m} @${k}`, recall[m]?.[i]])),
    ]),
  });
  return markdownTable(columns, [
    row('lexical alone', result.lexical),
    row('dense alone', result.dense),
    ...result.rows.map((r) =>
      row(
        `w = ${r.lexicalWeight.toFixed(2)}${r.dominates ? '' : ' (below an input)'}${r === result.chosen ? ' **chosen**' : ''}`,
        r.recall,
        r.mean,
      ),
    ),
  ]);
}

/** One line saying which weight the sweep keeps and why. */
export function sweepVerdict(result: SweepResult): string {
  const { chosen } = result;
  return chosen.dominates
    ? `Chosen lexical weight ${chosen.lexicalWeight.toFixed(2)}: mean recall ${percent(chosen.mean)} %, at least ` +
        'lexical and dense search alone at every k on every bank (the largest such weight within ' +
        `${percent(TIE)} points of the best mean).`
    : `No weight is at least both inputs at every k; the best mean is at lexical weight ` +
        `${chosen.lexicalWeight.toFixed(2)} (${percent(chosen.mean)} %).`;
}
