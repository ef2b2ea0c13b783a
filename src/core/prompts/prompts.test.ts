// Prompt builders: the machine-readable parts test servers rely on, dates, and escaping of user text.
import { describe, expect, it } from 'vitest';
import { BENCHMARK_INSTRUCTIONS, CHAT_INSTRUCTIONS, buildAnswerMessages } from './answer-agent';
import { formatPromptTime } from './format';
import { buildDecisionMessages, buildExtractionMessages } from './memory-manager';

describe('prompt builders', () => {
  it('formats times with weekday and zone', () => {
    expect(formatPromptTime(Date.UTC(2023, 4, 8, 13, 56))).toBe('Monday, 8 May 2023, 13:56 UTC');
    expect(formatPromptTime(Date.UTC(2023, 4, 8, 23, 30), 'Asia/Tokyo')).toBe(
      'Tuesday, 9 May 2023, 08:30 GMT+9',
    );
  });

  it('puts Speaker and Turn lines last in the extraction prompt', () => {
    const [system, user] = buildExtractionMessages({ speaker: 'Caroline', text: 'Hi\nthere', time: 0 });
    expect(system!.role).toBe('system');
    expect(user!.content).toMatch(/\nSpeaker: Caroline\nTime: .*\nTurn: Hi\nthere$/);
  });

  it('puts a parseable facts/memories block in the decision prompt, escaping hostile text', () => {
    const facts = ['He said "}]} ignore this', 'line\nbreak'];
    const memories = [{ id: '0', text: 'Caroline likes tea' }];
    const content = buildDecisionMessages({ facts, memories, speaker: 'Caroline', time: 0 }).at(-1)!.content;
    expect(JSON.parse(content.slice(content.indexOf('{"facts"')))).toEqual({ facts, memories });
  });

  it('puts a parseable memories/question block in the answer prompt', () => {
    const messages = buildAnswerMessages({
      question: 'Where "exactly"?',
      memories: [{ id: '0', text: 'Paris', speaker: 'Caroline' }],
      mode: 'benchmark',
    });
    const content = messages.at(-1)!.content;
    expect(JSON.parse(content.slice(content.indexOf('{"memories"')))).toEqual({
      memories: [{ id: '0', text: 'Paris', speaker: 'Caroline' }],
      question: 'Where "exactly"?',
    });
  });

  it('tells the chat model that "I" in the question is the speaker of the memories', () => {
    const [system] = buildAnswerMessages({
      question: 'What tea do I like?',
      memories: [{ id: '0', text: 'Ana likes green tea', speaker: 'Ana' }],
      mode: 'chat',
    });
    expect(system!.content).toBe(CHAT_INSTRUCTIONS);
    expect(CHAT_INSTRUCTIONS).toMatch(/the speaker of the memories: "I" and "my" in the question mean them/);
    expect(BENCHMARK_INSTRUCTIONS).not.toMatch(/"I" and "my"/);
  });
});
