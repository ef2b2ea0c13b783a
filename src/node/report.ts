/**
 * Reports of evaluation runs: Markdown tables, a grouped bar chart as a
 * self-contained SVG (no chart library: a few rectangles and labels), and the per-question JSON Lines log that
 * makes runs resumable (appended one line per finished question; a torn last line from a crash is ignored).
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Formats a 0-1 score as a percentage with two decimals, or an en dash when missing. */
export function percent(value: number | null | undefined): string {
  return typeof value === 'number' ? (value * 100).toFixed(2) : '–';
}

/**
 * A Markdown table: one row per metric, one column per group, scores as percentages.
 * @example markdownTable(['overall'], [{ name: 'F1', values: { overall: 0.5 } }])
 * // => '| | overall |\n|---|---|\n| F1 | 50.00 |'
 */
export function markdownTable(
  groups: readonly string[],
  rows: readonly { name: string; values: Record<string, number | null | undefined> }[],
): string {
  const head = `| | ${groups.join(' | ')} |`;
  const rule = `|---|${groups.map(() => '---').join('|')}|`;
  const body = rows.map((r) => `| ${r.name} | ${groups.map((g) => percent(r.values[g])).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

const COLORS = ['#3b6ea8', '#d08c2f', '#5a9e5a', '#a8485a', '#7a5aa8'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A grouped bar chart of 0-1 scores as a standalone SVG document: one group of bars per category, one bar
 * (and legend entry) per metric, a 0-100 % axis, the value printed over each bar.
 */
export function barChartSvg(input: {
  title: string;
  groups: readonly string[];
  series: readonly { name: string; values: Record<string, number | null | undefined> }[];
}): string {
  const barWidth = 22;
  const gap = 28;
  const left = 48;
  const top = 48;
  const plotHeight = 220;
  const groupWidth = input.series.length * barWidth + gap;
  const width = Math.max(360, left + input.groups.length * groupWidth + 16);
  const height = top + plotHeight + 48;
  const y = (v: number) => top + plotHeight * (1 - Math.min(1, Math.max(0, v)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${escapeXml(input.title)}</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${left}" x2="${width - 8}" y1="${y(tick)}" y2="${y(tick)}" stroke="#dddddd"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick * 100}</text>`,
    );
  }
  input.series.forEach((s, si) => {
    const lx = left + si * 90;
    parts.push(
      `<rect x="${lx}" y="28" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/>`,
      `<text x="${lx + 14}" y="37">${escapeXml(s.name)}</text>`,
    );
  });
  input.groups.forEach((group, gi) => {
    const gx = left + gap / 2 + gi * groupWidth;
    input.series.forEach((s, si) => {
      const v = s.values[group];
      if (typeof v !== 'number') return;
      const x = gx + si * barWidth;
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barWidth - 2}" height="${top + plotHeight - y(v)}" ` +
          `fill="${COLORS[si % COLORS.length]}"><title>${escapeXml(`${s.name} ${group}: ${percent(v)}`)}</title></rect>`,
        `<text x="${x + (barWidth - 2) / 2}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${Math.round(v * 100)}</text>`,
      );
    });
    parts.push(
      `<text x="${gx + (input.series.length * barWidth) / 2}" y="${top + plotHeight + 16}" text-anchor="middle">` +
        `${escapeXml(group)}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" x2="${width - 8}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#333333"/>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes a file, creating its directory first. */
export async function writeText(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** Appends records to a JSON Lines log, one per line. */
export async function appendJsonLines(file: string, records: readonly unknown[]): Promise<void> {
  if (records.length === 0) return;
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/**
 * Reads a JSON Lines log written by `appendJsonLines`; a missing file is empty, and lines that do not parse (a
 * write torn by a crash) are skipped and counted.
 */
export async function readJsonLinesLog(file: string): Promise<{ records: unknown[]; torn: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { records: [], torn: 0 };
    throw err;
  }
  const records: unknown[] = [];
  let torn = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as unknown);
    } catch {
      torn += 1;
    }
  }
  return { records, torn };
}

/** Ends a log with a newline when a crash cut its last line short, so the next append starts a fresh line. */
export async function sealJsonLinesLog(file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return;
    throw err;
  }
  if (text.length > 0 && !text.endsWith('\n')) await appendFile(file, '\n');
}
