import { describe, expect, it } from 'vitest';
import { chatPoster, contentOf, schemaRequest } from './chat-requests';
import { answerQuestion, decideOperations, extractFacts } from './fake-memory-r1-model';
import { useTestServer } from './vitest-fixtures';

const server = useTestServer();
const post = chatPoster(server);

describe('default handler: memory_facts', () => {
  it('extracts declarative sentences of the Turn line, prefixed with the speaker, dropping questions', async () => {
    const res = await post(
      schemaRequest(
        'memory_facts',
        'Session date: 8 May 2023\nSpeaker: Caroline\nTurn: I went to an LGBTQ support group yesterday. ' +
          'It was really powerful! Have you been? Thanks.',
      ),
    );
    expect(JSON.parse(await contentOf(res))).toEqual({
      facts: ['Caroline: I went to an LGBTQ support group yesterday.', 'Caroline: It was really powerful!'],
    });
  });

  it('takes the turn from a {"turn", "speaker"} JSON block when present', () => {
    expect(extractFacts('Context...\n{"turn": "My dog is called Max. Is yours?", "speaker": "Mel"}')).toEqual(
      ['Mel: My dog is called Max.'],
    );
  });

  it('falls back to the whole last user message', () => {
    expect(extractFacts('I moved to Berlin in 2021. I work as a nurse')).toEqual([
      'I moved to Berlin in 2021.',
      'I work as a nurse',
    ]);
  });

  it('returns no facts for a question', () => {
    expect(extractFacts('Turn: What did I say about my dog?')).toEqual([]);
  });
});

describe('default handler: memory_operations', () => {
  const prompt = (facts: string[], memories: { id: string; text: string }[]): string =>
    `Decide the operations.\n${JSON.stringify({ facts, memories })}\nAnswer with JSON.`;

  it('adds new facts, NOOPs exact duplicates and UPDATEs facts sharing the first three words', async () => {
    const res = await post(
      schemaRequest(
        'memory_operations',
        prompt(
          ['caroline likes hiking.', 'Caroline has a dog named Max and a cat.', 'Mel paints sunsets.'],
          [
            { id: '0', text: 'Caroline likes hiking.' },
            { id: '1', text: 'Caroline has a dog named Max.' },
          ],
        ),
      ),
    );
    expect(JSON.parse(await contentOf(res))).toEqual({
      operations: [
        { op: 'NOOP', id: '0', text: null },
        { op: 'UPDATE', id: '1', text: 'Caroline has a dog named Max and a cat.' },
        { op: 'ADD', id: null, text: 'Mel paints sunsets.' },
      ],
    });
  });

  it('updates a memory at most once and skips facts repeated within the turn', () => {
    expect(
      decideOperations(
        prompt(
          ['Mel has two kids.', 'Mel has two cats.', 'Mel has two kids.'],
          [{ id: '4', text: 'Mel has two dogs.' }],
        ),
      ),
    ).toEqual([
      { op: 'UPDATE', id: '4', text: 'Mel has two kids.' },
      { op: 'ADD', id: null, text: 'Mel has two cats.' },
    ]);
  });

  it('returns no operations when the prompt has no facts block', () => {
    expect(decideOperations('no json here {not json}')).toEqual([]);
  });
});

describe('default handler: plain chat answer', () => {
  const prompt = (question: string): string =>
    `Answer from the memories.\n${JSON.stringify({
      memories: [
        { id: '0', text: 'Caroline adopted a dog named Max in 2022.' },
        { id: '1', text: 'Melanie paints landscapes.' },
        { id: '2', text: 'Caroline walks her dog every morning.' },
      ],
      question,
    })}`;

  it('lists the memories sharing content words with the question and answers with the best', async () => {
    const res = await post({
      model: 'm',
      messages: [{ role: 'user', content: prompt('What is the dog named?') }],
    });
    expect(await contentOf(res)).toBe(
      'Memories used:\n- Caroline adopted a dog named Max in 2022.\n- Caroline walks her dog every morning.\n' +
        '**Answer:** Caroline adopted a dog named Max in 2022.',
    );
  });

  it("says I don't know when no memory shares a content word", () => {
    expect(answerQuestion(prompt('Which city hosts the Olympics?'))).toBe(
      "Memories used:\n**Answer:** I don't know.",
    );
  });
});
