// Report helpers: tables, the SVG chart, and the resumable JSON Lines log.
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendJsonLines,
  barChartSvg,
  markdownTable,
  percent,
  readJsonLinesLog,
  sealJsonLinesLog,
} from './report';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mr1-report-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('markdownTable and percent', () => {
  it('prints scores as percentages with two decimals and a dash where missing', () => {
    expect(percent(0.12345)).toBe('12.35');
    expect(percent(null)).toBe('–');
    expect(markdownTable(['overall', 'x'], [{ name: 'F1', values: { overall: 0.5, x: null } }])).toBe(
      '| | overall | x |\n|---|---|---|\n| F1 | 50.00 | – |',
    );
  });
});

describe('barChartSvg', () => {
  it('draws one bar per metric and group with escaped labels, skipping missing values', () => {
    const svg = barChartSvg({
      title: 'A <b> & c',
      groups: ['overall', 'temporal'],
      series: [
        { name: 'F1', values: { overall: 0.5, temporal: 1 } },
        { name: 'Judge', values: { overall: 0.25, temporal: null } },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('A &#60;b&#62; &#38; c');
    expect(svg.match(/<rect x="[^"]+" y="[^"]+" width="20"/g)).toHaveLength(3);
    expect(svg).toContain('<title>Judge overall: 25.00</title>');
  });
});

describe('JSON Lines log', () => {
  it('reads back what was appended, and a missing log as empty', async () => {
    const file = join(tmp, 'log.jsonl');
    expect(await readJsonLinesLog(file)).toEqual({ records: [], torn: 0 });
    await appendJsonLines(file, [{ id: 'a' }, { id: 'b' }]);
    expect((await readJsonLinesLog(file)).records).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('skips a line torn by a crash and seals it so the next record starts a fresh line', async () => {
    const file = join(tmp, 'torn.jsonl');
    await appendJsonLines(file, [{ id: 'a' }]);
    await appendFile(file, '{"id": "b", "predic');
    await sealJsonLinesLog(file);
    await appendJsonLines(file, [{ id: 'c' }]);
    expect(await readJsonLinesLog(file)).toEqual({ records: [{ id: 'a' }, { id: 'c' }], torn: 1 });
    expect((await readFile(file, 'utf8')).endsWith('{"id":"c"}\n')).toBe(true);
  });
});
