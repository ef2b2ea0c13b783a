// Long turns and many facts: a turn too long for one extraction prompt is extracted chunk by chunk without losing
// its middle, facts too many for one decision prompt are decided in groups, and either way the turn is applied as
// one batch, all-or-nothing, aborts write nothing and a failed turn can be retried.
import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../store/in-memory-store';
import { ScriptedChatModel, type ScriptedResponder } from '../testing/scripted-chat-model';
import { MANAGER_RESERVED_OUTPUT, MAX_TURN_TEXT_BYTES, MemoryManager } from './memory-manager';
import type { TurnInput } from './memory-manager-types';
import { DEFAULT_CONTEXT_WINDOW, TokenCounter } from './token-budget';
import type { ChatMessage, ChatRequest, MemoryStore } from './types';

const MAY_8 = Date.UTC(2023, 4, 8, 13, 56);
const BUDGET = DEFAULT_CONTEXT_WINDOW - MANAGER_RESERVED_OUTPUT;
const CONTEXT: ChatMessage[] = [{ role: 'assistant', content: 'How was your week, Caroline?' }];

/** Sentences placed at the start, middle and end of a long turn, with the fact each one yields. */
const PLANTED = [
  {
    sentence: 'I adopted a cat named Bob on Tuesday.',
    fact: 'Caroline adopted a cat named Bob on 2 May 2023',
  },
  { sentence: 'My sister Melanie moved to Oslo.', fact: 'Caroline’s sister Melanie moved to Oslo' },
  {
    sentence: 'I start my new job at the library in June.',
    fact: 'Caroline starts a job at a library in June 2023',
  },
];
/** A fact the model finds in every chunk; it must be kept once. */
const EVERYWHERE = 'Caroline keeps a long diary';

/** `entries` diary paragraphs (about 70 bytes each) with the planted sentences first, in the middle and last. */
function longTurnText(entries = 1450): string {
  const filler = Array.from(
    { length: entries },
    (_, i) =>
      `Entry ${String.fromCharCode(97 + (i % 26))}: the garden needed work, so we spent the afternoon outside.`,
  );
  filler.splice(entries / 2, 0, PLANTED[1]!.sentence);
  return [PLANTED[0]!.sentence, ...filler, PLANTED[2]!.sentence].join('\n\n');
}

function turn(overrides: Partial<TurnInput> = {}): TurnInput {
  return {
    conversationId: 'c1',
    turnId: 'long-1',
    speaker: 'Caroline',
    text: longTurnText(),
    time: MAY_8,
    context: CONTEXT,
    ...overrides,
  };
}

const isExtraction = (req: ChatRequest) => req.schema?.name === 'memory_facts';
/** The turn text (or chunk of it) an extraction request shows. */
function chunkOf(req: ChatRequest): string {
  const content = req.messages.find((m) => m.role === 'user')!.content;
  return content.slice(content.indexOf('\nTurn: ') + '\nTurn: '.length);
}
/** The JSON block of a decision request's user message. */
function decisionBlock(req: ChatRequest): { facts: string[]; memories: { id: string; text: string }[] } {
  const content = req.messages.find((m) => m.role === 'user')!.content;
  return JSON.parse(content.slice(content.indexOf('{"facts"'))) as ReturnType<typeof decisionBlock>;
}

/** Extraction finds the planted facts (and EVERYWHERE) in a chunk; decision ADDs every fact. */
const honest: ScriptedResponder = (req) => {
  if (isExtraction(req)) {
    const chunk = chunkOf(req);
    const found = PLANTED.filter((p) => chunk.includes(p.sentence)).map((p) => p.fact);
    return JSON.stringify({ facts: [...found, EVERYWHERE] });
  }
  return JSON.stringify({
    operations: decisionBlock(req).facts.map((text) => ({ op: 'ADD', id: null, text })),
  });
};

function setup(
  respond: ScriptedResponder,
  store: MemoryStore = new InMemoryStore(),
  countTokens?: (t: string) => number,
) {
  const model = new ScriptedChatModel({ id: 'test-model', respond, countTokens });
  return { model, store, manager: new MemoryManager({ model, store }) };
}

async function expectNothingWritten(store: MemoryStore, turnId = 'long-1') {
  expect(await store.list()).toEqual([]);
  expect(await store.history()).toEqual([]);
  expect(await store.findTurn(turnId)).toBeUndefined();
}

describe('MemoryManager with a turn too long for one extraction prompt', () => {
  it.each([
    ['the estimating counter', undefined],
    ['a model tokenizer', (t: string) => Math.ceil(t.length / 3.5)],
  ])('extracts the facts at the start, middle and end of a 100 KB turn (%s)', async (_label, countTokens) => {
    const text = longTurnText();
    expect(text.length).toBeGreaterThan(100_000);
    const { model, store, manager } = setup(honest, new InMemoryStore(), countTokens);
    const result = await manager.processTurn(turn());

    expect(result.status).toBe('applied');
    expect(result.facts).toEqual([PLANTED[0]!.fact, EVERYWHERE, PLANTED[1]!.fact, PLANTED[2]!.fact]);
    expect((await store.list()).map((m) => m.text).sort()).toEqual(
      [...PLANTED.map((p) => p.fact), EVERYWHERE].sort(),
    );

    const extractions = model.requests.filter(isExtraction);
    expect(extractions.length).toBeGreaterThan(2);
    expect(extractions.map(chunkOf).join('')).toBe(text);
    const counter = new TokenCounter(model);
    for (const req of model.requests) {
      expect(await counter.countMessages(req.messages)).toBeLessThanOrEqual(BUDGET);
      expect(req.maxTokens).toBe(MANAGER_RESERVED_OUTPUT);
    }
    for (const req of extractions) {
      expect(req.messages.at(-1)!.content).toContain(CONTEXT[0]!.content);
      expect(req.messages.at(-1)!.content).toContain(
        'Speaker: Caroline\nTime: Monday, 8 May 2023, 13:56 UTC\n',
      );
      expect(chunkOf(req)).not.toMatch(/characters omitted/);
    }

    const events = await store.history();
    expect(new Set(events.map((e) => e.batchId))).toEqual(new Set([result.batchId]));
    expect((await store.findTurn('long-1'))?.applied).toHaveLength(4);
  });

  it('refuses a turn over 1 MiB at once, with a clear error, calling no model and recording nothing', async () => {
    const { model, store, manager } = setup(honest);
    const result = await manager.processTurn(turn({ text: 'é'.repeat(MAX_TURN_TEXT_BYTES / 2 + 1) }));
    expect(result).toMatchObject({ status: 'failed', facts: [], error: { code: 'prompt-too-large' } });
    expect(result.error?.message).toMatch(/at most 1\.0 MB per message.*smaller parts/);
    expect(model.requests).toEqual([]);
    expect(await store.failures()).toEqual([]);
    await expectNothingWritten(store);
  });

  it('rethrows an abort during the third chunk and writes nothing', async () => {
    const controller = new AbortController();
    const { model, store, manager } = setup((req, { index, signal }) => {
      if (index < 2) return honest(req, { index, signal });
      return new Promise<string>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        controller.abort();
      });
    });
    await expect(manager.processTurn(turn(), { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(model.requests).toHaveLength(3);
    expect(await store.failures()).toEqual([]);
    await expectNothingWritten(store);
  });

  // The failure record keeps the turn's whole text (stores keep up to 1 MiB of it) for the retry.
  it('fails the whole turn when one chunk fails, records the raw output, and applies it all on retry', async () => {
    const text = longTurnText();
    expect(text.length).toBeGreaterThan(100_000);
    const bad = 'I would rather not list facts.';
    const middle = PLANTED[1]!.sentence;
    const { store, manager } = setup((req, info) =>
      isExtraction(req) && chunkOf(req).includes(middle) ? bad : honest(req, info),
    );
    const failed = await manager.processTurn(turn({ text }));
    expect(failed).toMatchObject({ status: 'failed', facts: [], error: { code: 'model-output-invalid' } });
    expect(await store.failures()).toEqual([
      expect.objectContaining({
        turnId: 'long-1',
        stage: 'extract',
        rawOutput: `${bad}\n--- repair attempt ---\n${bad}`,
        text,
        turnTime: MAY_8,
      }),
    ]);
    await expectNothingWritten(store);

    const { model, manager: working } = setup(honest, store);
    const [retried] = await working.retryFailed();
    expect(retried).toMatchObject({ status: 'applied' });
    expect(retried!.facts).toEqual(expect.arrayContaining(PLANTED.map((p) => p.fact)));
    expect(model.requests.filter(isExtraction).map(chunkOf).join('')).toBe(text);
    expect(await store.failures()).toEqual([]);
    expect((await store.findTurn('long-1'))?.applied).toHaveLength(4);
  });
});

describe('MemoryManager with more facts than one decision prompt holds', () => {
  const CAT = 'Caroline has a cat named Bob';
  /** The extraction reply for request `index`: twelve numbered facts, the first one about the cat. */
  const twelveFacts = (index: number) =>
    JSON.stringify({
      facts: Array.from({ length: 12 }, (_, i) =>
        i === 0
          ? `Caroline's cat Bob did thing ${index}`
          : `Caroline noted item ${index}-${i} in her garden diary`,
      ),
    });

  /** Decision replies per group, in order, given the group's block. */
  function deciding(
    decide: (block: ReturnType<typeof decisionBlock>, group: number) => object[],
  ): ScriptedResponder {
    let group = 0;
    return (req, { index }) => {
      if (isExtraction(req)) return twelveFacts(index);
      return JSON.stringify({ operations: decide(decisionBlock(req), group++) });
    };
  }

  async function seeded() {
    const store = new InMemoryStore();
    const seed = await store.apply({ turnId: 'seed', speaker: 'Caroline', ops: [{ op: 'ADD', text: CAT }] });
    return { store, catId: seed.applied[0]!.memoryId };
  }

  const catAlias = (block: ReturnType<typeof decisionBlock>) =>
    block.memories.find((m) => m.text === CAT)?.id;
  const text = 'Diary entry about the garden and the cat. '.repeat(600);

  it('decides in groups that each fit, and applies one batch that never changes a memory twice', async () => {
    const { store, catId } = await seeded();
    const { model, manager } = setup(
      deciding((block, group) => {
        const adds = block.facts
          .filter((f) => !f.includes('cat Bob'))
          .map((f) => ({ op: 'ADD', id: null, text: f }));
        const cat = catAlias(block);
        if (group === 0) return [{ op: 'UPDATE', id: cat, text: `${CAT}; Bob is 3` }, ...adds];
        if (group === 1)
          return [
            { op: 'DELETE', id: cat, text: null },
            { op: 'ADD', id: null, text: 'Caroline noted item 0-1 in her garden diary' },
            ...adds,
          ];
        return [{ op: 'NOOP', id: cat, text: null }, ...adds];
      }),
      store,
    );
    const result = await manager.processTurn(turn({ text }));
    const extractions = model.requests.filter(isExtraction);
    const decisions = model.requests.filter((r) => !isExtraction(r));
    expect(result.facts).toHaveLength(extractions.length * 12);
    expect(decisions.length).toBeGreaterThan(1);
    expect(decisions.flatMap((d) => decisionBlock(d).facts)).toEqual(result.facts);
    const counter = new TokenCounter(model);
    for (const d of decisions) {
      expect(decisionBlock(d).facts.length).toBeLessThanOrEqual(12);
      expect(catAlias(decisionBlock(d))).toBeDefined();
      expect(await counter.countMessages(d.messages)).toBeLessThanOrEqual(BUDGET);
    }

    expect(result.status).toBe('applied');
    expect(result.rejected).toEqual([
      {
        op: { op: 'DELETE', id: expect.any(String), text: null },
        reason: expect.stringMatching(
          /^DELETE of memory \d+, which an earlier group of this turn's facts already changed$/,
        ),
      },
      { op: expect.objectContaining({ op: 'ADD' }), reason: 'ADD repeats an earlier ADD of this turn' },
    ]);
    expect(result.operations.filter((o) => o.memoryId === catId)).toEqual([
      { op: 'UPDATE', memoryId: catId, text: `${CAT}; Bob is 3`, previousText: CAT },
    ]);
    const batch = await store.findTurn('long-1');
    expect(batch?.batchId).toBe(result.batchId);
    expect(batch?.applied).toHaveLength(1 + (result.facts.length - decisions.length));
    expect(
      new Set((await store.history()).filter((e) => e.turnId === 'long-1').map((e) => e.batchId)).size,
    ).toBe(1);
  });

  it('fails the turn and applies nothing when a later group fails', async () => {
    const { store } = await seeded();
    const before = await store.export();
    const { model, manager } = setup((req, { index }) => {
      if (isExtraction(req)) return twelveFacts(index);
      if (decisionBlock(req).facts.some((f) => f.includes('item 1-'))) return 'not JSON';
      return JSON.stringify({
        operations: decisionBlock(req).facts.map((f) => ({ op: 'ADD', id: null, text: f })),
      });
    }, store);
    const result = await manager.processTurn(turn({ text }));
    expect(result).toMatchObject({ status: 'failed', error: { code: 'model-output-invalid' } });
    expect(decisionBlock(model.requests.find((r) => !isExtraction(r))!).facts[1]).toMatch(/item 0-1 /);
    expect((await store.failures())[0]).toMatchObject({
      stage: 'decide',
      rawOutput: expect.stringContaining('not JSON'),
    });
    const after = await store.export();
    expect(after.memories).toEqual(before.memories);
    expect(after.events).toEqual(before.events);
  });
});
