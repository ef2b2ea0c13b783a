// Answer Agent: candidate retrieval (cap, per-speaker quota, scope), the token budget, modes, reply parsing and
// streaming, against the reference InMemoryStore with scripted models.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../store/in-memory-store';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import { AnswerAgent, type AnswerEvent } from './answer-agent';
import { BENCHMARK_INSTRUCTIONS, CHAT_INSTRUCTIONS } from './prompts/answer-agent';
import { TokenCounter } from './token-budget';
import type { ChatRequest, MemoryStore } from './types';

async function storeWith(
  groups: { speaker?: string; conversationId?: string; texts: string[] }[],
): Promise<InMemoryStore> {
  const store = new InMemoryStore();
  let n = 0;
  for (const g of groups) {
    await store.apply({
      turnId: `seed-${n++}`,
      ops: g.texts.map((text) => ({
        op: 'ADD' as const,
        text,
        speaker: g.speaker,
        conversationId: g.conversationId,
      })),
    });
  }
  return store;
}

/** The JSON block of the last user message of an answer request. */
function answerBlock(req: ChatRequest): {
  memories: { id: string; text: string; speaker?: string }[];
  question: string;
} {
  const content = req.messages.at(-1)!.content;
  return JSON.parse(content.slice(content.indexOf('{"memories"'))) as {
    memories: { id: string; text: string; speaker?: string }[];
    question: string;
  };
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

describe('AnswerAgent retrieval', () => {
  it('retrieves at most 60 candidates', async () => {
    const store = await storeWith([
      { speaker: 'Caroline', texts: range(200, (i) => `Caroline hiked trail ${i}`) },
    ]);
    const model = new ScriptedChatModel({ replies: ['**Answer:** a trail'], contextWindow: 32_768 });
    const result = await new AnswerAgent({ model, store }).answer({
      question: 'Which trail did Caroline hike?',
    });
    expect(result.candidates).toHaveLength(60);
    expect(result.shownCount).toBe(60);
  });

  it('takes the top 30 per speaker when memories come from two speakers', async () => {
    const store = await storeWith([
      { speaker: 'Caroline', texts: range(100, (i) => `hiking hiking hiking trip ${i} by Caroline`) },
      { speaker: 'Melanie', texts: range(100, (i) => `hiking trip ${i} by Melanie`) },
    ]);
    const model = new ScriptedChatModel({ replies: ['**Answer:** yes'], contextWindow: 32_768 });
    const { candidates } = await new AnswerAgent({ model, store }).answer({ question: 'hiking trip' });
    const bySpeaker = (s: string) => candidates.filter((c) => c.memory.speaker === s).length;
    expect(candidates).toHaveLength(60);
    expect(bySpeaker('Caroline')).toBe(30);
    expect(bySpeaker('Melanie')).toBe(30);
  });

  it('shares the 60 candidates among three speakers rank by rank', async () => {
    const store = await storeWith(
      ['A', 'B', 'C'].map((speaker) => ({
        speaker,
        texts: range(40, (i) => `hiking trip ${i} by ${speaker}`),
      })),
    );
    const model = new ScriptedChatModel({ replies: ['**Answer:** yes'], contextWindow: 32_768 });
    const { candidates } = await new AnswerAgent({ model, store }).answer({ question: 'hiking trip' });
    expect(candidates).toHaveLength(60);
    for (const s of ['A', 'B', 'C'])
      expect(candidates.filter((c) => c.memory.speaker === s)).toHaveLength(20);
  });

  it('gives each named speaker a quota even when one speaker dominates the hits', async () => {
    const store = await storeWith([
      { speaker: 'Caroline', texts: range(300, (i) => `hiking hiking hiking trip ${i}`) },
      { speaker: 'Melanie', texts: range(10, (i) => `a trip ${i}`) },
    ]);
    const model = new ScriptedChatModel({ replies: ['**Answer:** yes'], contextWindow: 32_768 });
    const { candidates } = await new AnswerAgent({ model, store }).answer({
      question: 'hiking trip',
      speakers: ['Caroline', 'Melanie'],
    });
    expect(candidates.filter((c) => c.memory.speaker === 'Melanie')).toHaveLength(10);
    expect(candidates.filter((c) => c.memory.speaker === 'Caroline')).toHaveLength(30);
  });

  it('restricts candidates to the conversation when one is given', async () => {
    const store = await storeWith([
      { conversationId: 'c1', texts: ['Caroline likes tea'] },
      { conversationId: 'c2', texts: ['Caroline likes green tea'] },
    ]);
    const model = new ScriptedChatModel({ replies: ['**Answer:** tea'] });
    const result = await new AnswerAgent({ model, store }).answer({ question: 'tea?', conversationId: 'c1' });
    expect(result.candidates.map((c) => c.memory.text)).toEqual(['Caroline likes tea']);
  });

  it('uses dense retrieval when an embedder is given', async () => {
    const store = await storeWith([{ texts: ['alpha memory', 'beta memory'] }]);
    const queries: string[] = [];
    const embedder = {
      id: 'fake',
      dims: 2,
      embed: async (texts: string[]) => {
        queries.push(...texts);
        return texts.map((t) => Float32Array.from(t.includes('alpha') ? [1, 0] : [0, 1]));
      },
    };
    await store.putEmbeddings(
      'fake',
      await embedder
        .embed(['alpha memory', 'beta memory'])
        .then((v) => v.map((vector, i) => ({ text: ['alpha memory', 'beta memory'][i]!, vector }))),
    );
    const model = new ScriptedChatModel({ replies: ['**Answer:** x'] });
    const result = await new AnswerAgent({ model, store, embedder }).answer({ question: 'beta?' });
    expect(queries.at(-1)).toBe('beta?');
    expect(result.candidates[0]?.memory.text).toBe('beta memory');
  });
});

describe('AnswerAgent budget and modes', () => {
  it('never exceeds context window minus reserved output', async () => {
    const store = await storeWith([
      { speaker: 'A', texts: range(120, (i) => `memory ${i} about the lake house `.repeat(1 + (i % 7))) },
      { speaker: 'B', texts: range(40, (i) => `note ${i} about the lake`) },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1500, max: 8192 }),
        fc.constantFrom('chat' as const, 'benchmark' as const),
        fc.string({ maxLength: 5000 }),
        fc.array(fc.string({ maxLength: 2000 }), { maxLength: 6 }),
        fc.boolean(),
        async (contextWindow, mode, question, history, tokenizer) => {
          const countTokens = tokenizer ? (t: string) => Math.ceil(t.length / 2.5) : undefined;
          const model = new ScriptedChatModel({ replies: ['**Answer:** x'], contextWindow, countTokens });
          const agent = new AnswerAgent({ model, store });
          const result = await agent.answer({
            question: `lake ${question}`,
            mode,
            history: history.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content })),
          });
          const req = model.requests[0]!;
          const reserved = mode === 'benchmark' ? 512 : 1024;
          const tokens = await new TokenCounter(model).countMessages(req.messages);
          expect(tokens).toBeLessThanOrEqual(contextWindow - reserved);
          expect(result.promptTokens).toBe(tokens);
          expect(req.maxTokens).toBe(reserved);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('fits a 100 KB question and still shows memories', async () => {
    const store = await storeWith([{ texts: ['Caroline moved to Paris in 2022'] }]);
    const model = new ScriptedChatModel({ replies: ['**Answer:** Paris'] });
    const result = await new AnswerAgent({ model, store }).answer({
      question: `${'Some pasted text. '.repeat(6000)} Where did Caroline move?`,
    });
    const block = answerBlock(model.requests[0]!);
    expect(block.memories.map((m) => m.text)).toEqual(['Caroline moved to Paris in 2022']);
    expect(block.question).toMatch(/characters omitted[\s\S]*Where did Caroline move\?$/);
    expect(result.answer).toBe('Paris');
  });

  it('asks for a short answer in benchmark mode and a natural reply in chat mode', async () => {
    const store = await storeWith([{ texts: ['Caroline moved to Paris in 2022'] }]);
    const model = new ScriptedChatModel({
      replies: ['**Answer:** Paris\nbecause of memory 0', '**Answer:** Paris\nShe moved there in 2022.'],
    });
    const agent = new AnswerAgent({ model, store });
    const bench = await agent.answer({ question: 'Where did Caroline move?', mode: 'benchmark' });
    const chat = await agent.answer({ question: 'Where did Caroline move?', mode: 'chat' });
    expect(model.requests[0]!.messages[0]!.content).toBe(BENCHMARK_INSTRUCTIONS);
    expect(BENCHMARK_INSTRUCTIONS).toMatch(/fewer than 6 words/);
    expect(model.requests[1]!.messages[0]!.content).toBe(CHAT_INSTRUCTIONS);
    expect(model.requests[0]).toMatchObject({ maxTokens: 512, temperature: 0 });
    expect(model.requests[1]).toMatchObject({ maxTokens: 1024 });
    expect(bench.answer).toBe('Paris');
    expect(chat.answer).toBe('Paris\nShe moved there in 2022.');
  });

  it('sends recent history as chat messages and the current time with the question', async () => {
    const store = await storeWith([{ texts: ['x'] }]);
    const model = new ScriptedChatModel({ replies: ['**Answer:** ok'] });
    await new AnswerAgent({ model, store }).answer({
      question: 'And then?',
      time: Date.UTC(2023, 4, 8, 12, 0),
      history: [
        { role: 'user', content: 'I went hiking.' },
        { role: 'assistant', content: 'Nice!' },
      ],
    });
    const messages = model.requests[0]!.messages;
    expect(messages.slice(1, 3)).toEqual([
      { role: 'user', content: 'I went hiking.' },
      { role: 'assistant', content: 'Nice!' },
    ]);
    expect(messages.at(-1)!.content).toContain('Current time: Monday, 8 May 2023, 12:00 UTC');
  });
});

describe('AnswerAgent.buildRequest', () => {
  it('builds exactly the request answer sends', async () => {
    const store = await storeWith([{ texts: ['Caroline moved to Paris in 2022'] }]);
    const model = new ScriptedChatModel({ replies: ['**Answer:** Paris'] });
    const agent = new AnswerAgent({ model, store });
    const input = { question: 'Where did Caroline move?', mode: 'benchmark' as const, time: 0 };
    const built = await agent.buildRequest(input);
    await agent.answer(input);
    expect(built.request).toEqual(model.requests[0]);
    expect(built.shown.map((m) => m.text)).toEqual(['Caroline moved to Paris in 2022']);
  });
});

describe('AnswerAgent reply parsing', () => {
  async function ask(reply: string) {
    const store = await storeWith([
      { speaker: 'Caroline', texts: ['Caroline moved to Paris in 2022', 'Caroline adopted a dog named Max'] },
    ]);
    const model = new ScriptedChatModel({ replies: [reply] });
    const result = await new AnswerAgent({ model, store }).answer({
      question: 'Caroline Paris dog',
      mode: 'benchmark',
    });
    return { result, shown: answerBlock(model.requests[0]!).memories };
  }

  it('returns the memories listed by alias as used memories', async () => {
    const { shown } = await ask('x');
    const paris = shown.find((m) => m.text.includes('Paris'))!.id;
    const { result } = await ask(`Memories used:\n- [${paris}] Caroline moved to Paris\n**Answer:** Paris`);
    expect(result.usedMemories.map((m) => m.text)).toEqual(['Caroline moved to Paris in 2022']);
    expect(result).toMatchObject({ answer: 'Paris', markerFound: true });
  });

  it('matches listed memory texts when the model leaves out the ids', async () => {
    const { result } = await ask('Memories used:\n- Caroline adopted a dog named Max\n**Answer:** Max');
    expect(result.usedMemories.map((m) => m.text)).toEqual(['Caroline adopted a dog named Max']);
  });

  it('flags a reply without marker and takes it whole', async () => {
    const { result } = await ask('She lives in Paris.');
    expect(result).toMatchObject({ answer: 'She lives in Paris.', markerFound: false, usedMemories: [] });
    expect(result.raw).toBe('She lives in Paris.');
  });
});

describe('AnswerAgent.stream', () => {
  async function collect(reply: string, mode: 'chat' | 'benchmark' = 'chat', chunkSize = 2) {
    const store: MemoryStore = await storeWith([{ texts: ['Caroline moved to Paris in 2022'] }]);
    const model = new ScriptedChatModel({ replies: [reply], chunkSize });
    const events: AnswerEvent[] = [];
    for await (const e of new AnswerAgent({ model, store }).stream({ question: 'Paris?', mode }))
      events.push(e);
    return events;
  }

  it('yields candidates, then only the answer text, then the parsed result', async () => {
    const events = await collect(
      'Memories used:\n- [0] Caroline moved to Paris in 2022\n**Answer:** She moved to **Paris**.',
    );
    expect(events[0]).toMatchObject({ type: 'candidates', candidates: [expect.anything()] });
    const deltas = events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe('She moved to **Paris**.');
    const done = events.at(-1);
    expect(done).toMatchObject({
      type: 'done',
      result: { answer: 'She moved to **Paris**.', markerFound: true },
    });
  });

  it.each([1, 2, 3, 5, 7, 11])(
    'never leaks the marker across chunk boundaries (chunk size %i)',
    async (size) => {
      const events = await collect('**Answer:** **Paris**', 'benchmark', size);
      const deltas = events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text);
      expect(deltas.join('')).toBe('Paris');
    },
  );

  it('delivers a reply without marker as one delta at the end', async () => {
    const events = await collect('Paris, I believe.');
    expect(events.map((e) => e.type)).toEqual(['candidates', 'delta', 'done']);
    expect(events[1]).toEqual({ type: 'delta', text: 'Paris, I believe.' });
  });
});
