// The in-app LoCoMo benchmark run on the hand-written fixture, with a scripted model standing in for the LLM: the
// Memory Manager calls get the test server's deterministic stand-in, answers come from the test.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import type { ChatRequest } from '../core/types';
import { answerQuestion, decideOperations, extractFacts } from '../testing/fake-memory-r1-model';
import {
  lastUserMessage,
  locomoAnsweringModel,
  type LocomoAnsweringModelOptions,
} from '../testing/locomo-answering-model';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import type { Progress } from '../core/progress';
import { runLocomoBenchmark } from './benchmark-run';
import { type LocomoBenchmarkPhase } from '../core/benchmark-types';
import { ModelFailingError } from './errors';
import { loadLocomo } from './loaders/locomo';
import { parseLocomoJson, type LocomoConversation, type LocomoQuestion } from './loaders/locomo-format';
import { markdownTable } from '../node/report';
import { SHARED_LOCOMO } from '../testing/shared-locomo';

const dataset = parseLocomoJson(
  readFileSync(new URL('./fixtures/locomo-mini.json', import.meta.url), 'utf8'),
  'locomo-mini.json',
);
const conversation = (id: string): LocomoConversation => dataset.conversations.find((c) => c.id === id)!;

/** Memory Manager replies from the test server's deterministic stand-in, so memories really are written. */
const memoryReply = (req: ChatRequest): string =>
  req.schema?.name === 'memory_facts'
    ? JSON.stringify({ facts: extractFacts(lastUserMessage(req)) })
    : JSON.stringify({ operations: decideOperations(lastUserMessage(req)) });

function scripted(
  c: LocomoConversation,
  answerFor: (q: LocomoQuestion) => string,
  options: Omit<LocomoAnsweringModelOptions, 'memoryReply'> = {},
): ScriptedChatModel {
  return locomoAnsweringModel(c.questions, answerFor, { memoryReply, ...options });
}

describe('runLocomoBenchmark', () => {
  it('scores F1 and BLEU-1 of 1 per category when the model gives the gold answers', async () => {
    const c = conversation('conv-30');
    const result = await runLocomoBenchmark({ conversation: c, model: scripted(c, (q) => q.answer) });
    expect(result.f1).toEqual({ overall: 1, 'single-hop': 1, temporal: 1 });
    expect(result.bleu1).toEqual({ overall: 1, 'single-hop': 1, temporal: 1 });
    expect(result.count).toEqual({ overall: 3, 'single-hop': 2, temporal: 1 });
    expect(result.answers.map((a) => a.prediction)).toEqual(['a bakery', 'sailors', '19 January 2023']);
    expect(result.ingest).toEqual({ turns: 3, failed: 0 });
    expect(result.failedQuestions).toEqual([]);
  });

  it('scores near 0 when every answer is wrong', async () => {
    const c = conversation('conv-30');
    const result = await runLocomoBenchmark({ conversation: c, model: scripted(c, () => 'zebra xylophone') });
    expect(result.f1.overall).toBe(0);
    expect(result.bleu1.overall).toBe(0);
  });

  it('answers from memories ingested from the conversation itself', async () => {
    const c = conversation('conv-30');
    const model = scripted(c, (q) => q.answer);
    await runLocomoBenchmark({ conversation: c, model });
    const answerPrompts = model.requests.filter((r) => r.schema === undefined).map(lastUserMessage);
    expect(answerPrompts[0]).toContain('bakery');
    // Every turn was stamped with its session date (20 January 2023) when it was turned into facts.
    const extractPrompts = model.requests
      .filter((r) => r.schema?.name === 'memory_facts')
      .map(lastUserMessage);
    expect(extractPrompts).toHaveLength(3);
    for (const p of extractPrompts) expect(p).toMatch(/2023/);
  });

  it('skips adversarial questions and answers at most `limit` questions', async () => {
    const c = conversation('conv-26');
    const all = await runLocomoBenchmark({ conversation: c, model: scripted(c, (q) => q.answer) });
    expect(all.count.overall).toBe(5);
    expect(all.answers.some((a) => a.category === 5)).toBe(false);
    const limited = await runLocomoBenchmark({
      conversation: c,
      model: scripted(c, (q) => q.answer),
      limit: 2,
    });
    expect(limited.answers.map((a) => a.id)).toEqual(['conv-26/q0', 'conv-26/q1']);
    expect(limited.ingest.turns).toBe(all.ingest.turns);
  });

  it('computes tokens per second from the usage the model reports over the time spent in model calls', async () => {
    const c = conversation('conv-30');
    let now = 0;
    const model = scripted(c, (q) => q.answer, { before: () => void (now += 250) });
    const result = await runLocomoBenchmark({ conversation: c, model, clock: () => now });
    expect(result.calls).toBe(model.requests.length);
    expect(result.completionTokens).toBe(10 * result.calls);
    expect(result.promptTokens).toBe(100 * result.calls);
    expect(result.modelSeconds).toBe(0.25 * result.calls);
    expect(result.tokensPerSecond).toBe(40);
    expect(result.callsWithoutUsage).toBe(0);
  });

  it('reports no rate (rather than a guess) when the model reports no usage', async () => {
    const c = conversation('conv-30');
    const result = await runLocomoBenchmark({
      conversation: c,
      model: scripted(c, (q) => q.answer, { usage: null }),
    });
    expect(result.tokensPerSecond).toBeNull();
    expect(result.callsWithoutUsage).toBe(result.calls);
    expect(result.f1.overall).toBe(1);
  });

  it('reports progress through ingestion, then answering', async () => {
    const c = conversation('conv-30');
    const seen: Progress<LocomoBenchmarkPhase>[] = [];
    await runLocomoBenchmark({
      conversation: c,
      model: scripted(c, (q) => q.answer),
      onProgress: (p) => seen.push(p),
    });
    expect(seen).toEqual([
      {
        phase: 'ingest',
        done: 0,
        total: 3,
        fraction: 0,
        text: 'Reading the conversation into memory: turn 0 of 3',
      },
      {
        phase: 'ingest',
        done: 1,
        total: 3,
        fraction: 1 / 3,
        text: 'Reading the conversation into memory: turn 1 of 3',
      },
      {
        phase: 'ingest',
        done: 2,
        total: 3,
        fraction: 2 / 3,
        text: 'Reading the conversation into memory: turn 2 of 3',
      },
      {
        phase: 'ingest',
        done: 3,
        total: 3,
        fraction: 1,
        text: 'Reading the conversation into memory: turn 3 of 3',
      },
      { phase: 'answer', done: 0, total: 3, fraction: 0, text: 'Answering: question 0 of 3' },
      { phase: 'answer', done: 1, total: 3, fraction: 1 / 3, text: 'Answering: question 1 of 3' },
      { phase: 'answer', done: 2, total: 3, fraction: 2 / 3, text: 'Answering: question 2 of 3' },
      { phase: 'answer', done: 3, total: 3, fraction: 1, text: 'Answering: question 3 of 3' },
    ]);
  });

  it('stops with an AbortError when aborted and makes no model call afterwards', async () => {
    const c = conversation('conv-30');
    const model = scripted(c, (q) => q.answer);
    const controller = new AbortController();
    let callsAtAbort = 0;
    const err: unknown = await runLocomoBenchmark({
      conversation: c,
      model,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'ingest' && p.done === 1) {
          controller.abort();
          callsAtAbort = model.requests.length;
        }
      },
    }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(model.requests.length).toBe(callsAtAbort);
  });

  it('keeps a failed question in the result and goes on with the next', async () => {
    const c = conversation('conv-30');
    const flaky = scripted(c, (q) => q.answer, {
      before: (req) => {
        if (req.schema === undefined && lastUserMessage(req).includes('novel'))
          throw new Error('The GPU device was lost.');
      },
    });
    const result = await runLocomoBenchmark({ conversation: c, model: flaky });
    expect(result.failedQuestions).toEqual([
      { id: 'conv-30/q1', question: "What is Dara's novel about?", message: 'The GPU device was lost.' },
    ]);
    expect(result.count.overall).toBe(2);
    expect(result.f1.overall).toBe(1);
  });

  it('stops with ModelFailingError when the model fails eight calls in a row', async () => {
    const base = conversation('conv-30');
    const turns = Array.from({ length: 10 }, (_, i) => ({
      diaId: `D1:${i + 1}`,
      session: 1,
      speaker: 'Chen',
      text: `I baked bread number ${i + 1} this morning.`,
    }));
    const c: LocomoConversation = { ...base, sessions: [{ index: 1, turns }] };
    const broken = new ScriptedChatModel({ respond: () => new Error('Model not loaded.') });
    const err: unknown = await runLocomoBenchmark({ conversation: c, model: broken }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelFailingError);
    expect((err as Error).message).toContain('Model not loaded.');
  });
});

describe.skipIf(!existsSync(SHARED_LOCOMO))('runLocomoBenchmark on the LoCoMo file in ../shared', () => {
  it('runs the validation conversation conv-30 end to end with the test server stand-in model', async () => {
    const data = await loadLocomo(SHARED_LOCOMO);
    const c = data.conversations.find((x) => x.id === 'conv-30')!;
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const model = new ScriptedChatModel({
      respond: (req) => {
        const text = req.schema ? memoryReply(req) : answerQuestion(lastUserMessage(req));
        const prompt = req.messages.map((m) => m.content).join(' ');
        return {
          text,
          finishReason: 'stop',
          usage: { promptTokens: words(prompt), completionTokens: words(text) },
        };
      },
    });
    const result = await runLocomoBenchmark({ conversation: c, model });
    const groups = Object.keys(result.count);
    console.log(
      `conv-30 with the stand-in model: ${result.ingest.turns} turns, ${result.calls} model calls, ` +
        `${result.seconds.toFixed(1)} s wall time\n` +
        markdownTable(groups, [
          { name: 'F1', values: result.f1 },
          { name: 'BLEU-1', values: result.bleu1 },
        ]) +
        `\nQuestions: ${groups.map((g) => `${g} ${result.count[g]}`).join(', ')}`,
    );
    expect(result.ingest.turns).toBe(c.sessions.reduce((n, s) => n + s.turns.length, 0));
    expect(result.count.overall).toBe(c.questions.filter((q) => q.category !== 5).length);
    expect(result.failedQuestions).toEqual([]);
  });
});
