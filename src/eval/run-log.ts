/**
 * What the Node benchmark runners (locomo-runner.ts, haystack-runner.ts) share around their runs: the resumable
 * answer log (`questions.jsonl`: one line per answered or failed question, appended as they finish, so a rerun
 * continues where a crash or an abort left off) and the summary reports (`summary.json`, `summary.md`,
 * `summary.svg`). The stop-after-N-failures rule is failure-breaker.ts (runtime-neutral).
 */
import { join } from 'node:path';
import {
  appendJsonLines,
  barChartSvg,
  markdownTable,
  readJsonLinesLog,
  sealJsonLinesLog,
  writeText,
} from '../node/report';

/** A logged answer: at least an id and the prediction (failure lines have an `error` instead). */
export interface AnswerLine {
  id: string;
  prediction: string;
}

/** The answer log of one run directory, opened. */
export interface RunLog<R extends AnswerLine> {
  /** The log file. */
  file: string;
  /** The last answer logged per id; an id whose last line is a failure is absent (a rerun retries it). */
  finished: Map<string, R>;
  /** Lines a crash cut short (ignored). */
  torn: number;
  /** Appends one line after every earlier one; resolves once it is written. */
  append(line: unknown): Promise<void>;
  /** Resolves once every line appended so far is written. */
  flush(): Promise<void>;
}

/** Whether a logged line is an answer (not a failure). */
function isAnswer(value: unknown): value is AnswerLine {
  const v = value as Partial<AnswerLine> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.prediction === 'string';
}

/** Seals and reads `questions.jsonl` in `outDir`, and returns it ready for appending. */
export async function openRunLog<R extends AnswerLine>(outDir: string): Promise<RunLog<R>> {
  const file = join(outDir, 'questions.jsonl');
  await sealJsonLinesLog(file);
  const log = await readJsonLinesLog(file);
  const finished = new Map<string, R>();
  for (const r of log.records) {
    const id = (r as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') continue;
    if (isAnswer(r)) finished.set(id, r as R);
    else finished.delete(id);
  }
  let chain: Promise<void> = Promise.resolve();
  return {
    file,
    finished,
    torn: log.torn,
    append(line) {
      chain = chain.then(() => appendJsonLines(file, [line]));
      return chain;
    },
    flush: () => chain,
  };
}

/** What a run's summary reports show. */
export interface SummaryReport {
  /** Heading of the Markdown and title of the chart. */
  title: string;
  /** The paragraph under the heading (settings, "Scores in %."). */
  intro: string;
  /** Written as `summary.json`. */
  summary: unknown;
  /** Table columns: `overall` and the groups. */
  columns: string[];
  /** One row per score, its values per column. */
  rows: { name: string; values: Record<string, number | null | undefined> }[];
  /** Questions per column. */
  count: Record<string, number | undefined>;
  /** Questions that failed in this run. */
  failed: number;
  /** Turns that could not be turned into memories (0 when not applicable). */
  ingestFailures: number;
  /** Whether the run stopped before the end. */
  aborted: boolean;
}

/** Writes `summary.json`, `summary.md` and `summary.svg` to `outDir`. */
export async function writeSummaryReports(outDir: string, report: SummaryReport): Promise<void> {
  const { columns, rows, count } = report;
  const md = [
    `# ${report.title}`,
    '',
    report.intro,
    '',
    markdownTable(columns, rows),
    '',
    `Questions: ${columns.map((g) => `${g} ${count[g] ?? 0}`).join(', ')}.`,
    ...(report.failed > 0
      ? ['', `${report.failed} questions failed in this run (a rerun retries them).`]
      : []),
    ...(report.ingestFailures > 0
      ? ['', `${report.ingestFailures} turns could not be turned into memories (model output invalid twice).`]
      : []),
    ...(report.aborted
      ? ['', 'The run was stopped before the end; rerun the same command to continue.']
      : []),
    '',
  ].join('\n');
  await writeText(join(outDir, 'summary.json'), `${JSON.stringify(report.summary, null, 2)}\n`);
  await writeText(join(outDir, 'summary.md'), md);
  await writeText(
    join(outDir, 'summary.svg'),
    barChartSvg({ title: report.title, groups: columns, series: rows }),
  );
}
