// Evidence recall@k over the project's search, on a hand-built conversation and (where present) on LoCoMo itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../core/types';
import { loadLocomo } from './loaders/locomo';
import { parseLocomo } from './loaders/locomo-format';
import { markdownTable } from '../node/report';
import { SHARED_LOCOMO } from '../testing/shared-locomo';
import {
  RETRIEVAL_CATEGORIES,
  prepareRetrieval,
  runRetrieval,
  turnBankText,
  turnMemoryText,
} from './retrieval';
import { sweepFusionWeight, sweepTable, sweepVerdict } from './retrieval-sweep';

const conversation = parseLocomo([
  {
    sample_id: 'c1',
    conversation: {
      speaker_a: 'Ana',
      speaker_b: 'Ben',
      session_1_date_time: '1:00 pm on 1 May, 2023',
      session_1: [
        { speaker: 'Ana', dia_id: 'D1:1', text: 'I planted tulips in the garden.' },
        { speaker: 'Ben', dia_id: 'D1:2', text: 'My violin lesson was hard today.' },
        { speaker: 'Ana', dia_id: 'D1:3', text: 'Look!', blip_caption: 'a photo of a red bicycle' },
        { speaker: 'Ben', dia_id: 'D1:4', text: 'We ate sushi downtown.' },
      ],
    },
    qa: [
      { question: 'What did Ana plant?', answer: 'tulips', evidence: ['D1:1'], category: 4 },
      { question: 'What colour is the bicycle?', answer: 'red', evidence: ['D1:3'], category: 4 },
      { question: 'Which tulips and violin?', answer: 'x', evidence: ['D1:1', 'D1:2'], category: 1 },
      { question: 'Did they eat?', answer: 'sushi', evidence: ['D7:7'], category: 2 },
      { question: 'What about the violin?', evidence: ['D1:2'], category: 5, adversarial_answer: 'y' },
    ],
    observation: {
      session_1_observation: {
        Ana: [['Ana planted tulips and owns a bicycle.', ['D1:1', 'D1:3']]],
        Ben: [['Ben takes violin lessons.', 'D1:2']],
      },
    },
  },
]).conversations;

// A toy embedder: one dimension per keyword, so "violin" questions match the violin turn only densely.
const words = ['tulips', 'violin', 'bicycle', 'sushi'];
const toyEmbedder: Embedder = {
  id: 'toy',
  dims: words.length,
  async embed(texts) {
    return texts.map((t) => {
      const v = Float32Array.from(words, (w) => (t.toLowerCase().includes(w) ? 1 : 0));
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  },
};

describe('runRetrieval', () => {
  it('remembers a turn as "Speaker: text" with the caption of its image', () => {
    expect(turnMemoryText({ speaker: 'Ana', text: 'Look!', imageCaption: 'a photo of a red bicycle' })).toBe(
      'Ana: Look! [shared an image: a photo of a red bicycle]',
    );
  });

  it('stores a turn with its session date and, after a question, the question it answers', () => {
    const session = conversation[0]!.sessions[0]!;
    expect(turnBankText(session, 0)).toBe('[1:00 pm on 1 May, 2023] Ana: I planted tulips in the garden.');
    const replying = {
      ...session,
      turns: [{ ...session.turns[0]!, text: 'Do you play?' }, session.turns[1]!],
    };
    expect(turnBankText(replying, 1)).toBe(
      '[1:00 pm on 1 May, 2023] Ben: My violin lesson was hard today. (in reply to Ana: Do you play?)',
    );
  });

  it('averages per question the share of evidence turns in the top k, skipping category 5 and unretrievable ones', async () => {
    const { summary, details, records } = await runRetrieval({
      dataset: 'inline',
      conversations: conversation,
      memory: 'turns',
      ks: [1, 10],
    });
    expect(summary.questions).toBe(3);
    expect(details.skipped).toBe(1);
    expect(records.map((r) => r.id)).toEqual(['c1/q0', 'c1/q1', 'c1/q2']);
    // The caption makes the image turn findable by "bicycle".
    expect(records[1]!.found['1']).toEqual(['D1:3']);
    // Two evidence turns, one hit: recall@1 = 1/2; all four turns fit in the top 10.
    expect(records[2]!.recall).toEqual({ '1': 0.5, '10': 1 });
    expect(summary.recall['10']).toEqual({
      overall: 1,
      'single-hop': 1,
      'multi-hop': 1,
      temporal: null,
      'open-domain': null,
    });
    expect(summary.recall['1']!['multi-hop']).toBe(0.5);
  });

  it('credits an observation with every turn it cites', async () => {
    const { records } = await runRetrieval({
      dataset: 'inline',
      conversations: conversation,
      memory: 'observations',
      ks: [1],
    });
    // "Which tulips and violin?" — whichever observation ranks first covers one of the two evidence turns.
    expect(records[2]!.recall['1']).toBe(0.5);
    // The bicycle question is answered by the observation citing D1:1 and D1:3.
    expect(records[1]!.found['1']).toEqual(['D1:3']);
  });

  it('uses dense vectors when an embedder is given', async () => {
    const calls: string[] = [];
    const embedder: Embedder = {
      ...toyEmbedder,
      embed(texts, kind, opts) {
        calls.push(kind);
        return toyEmbedder.embed(texts, kind, opts);
      },
    };
    const { records } = await runRetrieval({
      dataset: 'inline',
      conversations: conversation,
      memory: 'turns',
      ks: [4],
      embedder,
    });
    expect(calls).toEqual(['passage', 'query']);
    expect(records).toHaveLength(3);
    expect(records.every((r) => r.recall['4'] === 1)).toBe(true);
  });

  it('reports lexical search on the same bank beside a hybrid run', async () => {
    const { details } = await runRetrieval({
      dataset: 'inline',
      conversations: conversation,
      memory: 'turns',
      ks: [1],
      embedder: toyEmbedder,
    });
    expect(details.retriever).toBe('hybrid:toy');
    expect(details.lexical?.['1']?.overall).toBeCloseTo(5 / 6);
  });

  it('sweeps fusion weights over both banks, keeping one at least as good as each input', async () => {
    const banks = await Promise.all(
      (['turns', 'observations'] as const).map((memory) =>
        prepareRetrieval({ conversations: conversation, memory, embedder: toyEmbedder }),
      ),
    );
    const result = sweepFusionWeight(banks, [1, 4], [0, 0.5, 1]);
    expect(result.rows.map((r) => r.lexicalWeight)).toEqual([0, 0.5, 1]);
    expect(Object.keys(result.lexical)).toEqual(['turns', 'observations']);
    // Weight 0 ranks as dense search alone.
    expect(result.rows[0]!.recall).toEqual(result.dense);
    expect(result.chosen.dominates).toBe(true);
    for (const memory of ['turns', 'observations'] as const) {
      result.chosen.recall[memory]!.forEach((r, i) => {
        expect(r).toBeGreaterThanOrEqual(result.lexical[memory]![i]!);
        expect(r).toBeGreaterThanOrEqual(result.dense[memory]![i]!);
      });
    }
    expect(sweepTable(result)).toContain('| lexical alone |');
    expect(sweepVerdict(result)).toMatch(/^Chosen lexical weight/);
  });
});

describe.skipIf(!existsSync(SHARED_LOCOMO))('retrieval on the LoCoMo file in ../shared', () => {
  it('measures lexical evidence recall@10 and @60 per category', async () => {
    const data = await loadLocomo(SHARED_LOCOMO);
    for (const memory of ['turns', 'observations'] as const) {
      const { summary } = await runRetrieval({
        dataset: join('..', 'shared', 'datasets', 'locomo', 'locomo-train-val.json'),
        conversations: data.conversations,
        memory,
        ks: [10, 60],
      });
      const table = markdownTable(
        ['overall', ...RETRIEVAL_CATEGORIES],
        ['10', '60'].map((k) => ({ name: `recall@${k}`, values: summary.recall[k] ?? {} })),
      );
      console.log(
        `LoCoMo train+val retrieval (${memory}, lexical), ${summary.questions} questions:\n${table}`,
      );
      expect(summary.questions).toBe(231);
      expect(summary.recall['60']!.overall!).toBeGreaterThanOrEqual(summary.recall['10']!.overall!);
    }
  });
});
