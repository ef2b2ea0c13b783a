// Parsing the Answer Agent's reply: marker variants, missing marker, and matching listed memories back.
import { describe, expect, it } from 'vitest';
import { cleanAnswer, findAnswerMarker, matchListedMemories, parseAnswer } from './answer-parser';

describe('parseAnswer', () => {
  it.each([
    ['**Answer:** Paris', 'Paris'],
    ['**Answer**: Paris', 'Paris'],
    ['**answer:** Paris', 'Paris'],
    ['Answer: Paris', 'Paris'],
    ['ANSWER: Paris', 'Paris'],
    ['### Answer: Paris', 'Paris'],
    ['__Answer:__ Paris', 'Paris'],
    ['Final answer: Paris', 'Paris'],
    ['**Answer:** **Paris**', 'Paris'],
    ['**Answer:**\n\nParis', 'Paris'],
  ])('reads the answer after %j', (marker, answer) => {
    const raw = `Memories used:\n- [0] Caroline moved to Paris\n${marker}`;
    expect(parseAnswer(raw, 'benchmark')).toEqual({
      answer,
      listing: 'Memories used:\n- [0] Caroline moved to Paris',
      markerFound: true,
    });
  });

  it('finds a bold marker in the middle of a line', () => {
    expect(parseAnswer('Used [0]. **Answer:** Paris', 'benchmark')).toMatchObject({
      answer: 'Paris',
      markerFound: true,
    });
  });

  it('does not mistake a memory mentioning "answer:" mid-line for the marker', () => {
    expect(findAnswerMarker('- [2] the answer: unknown\n**Answer:** 42')?.start).toBe(26);
  });

  it('takes the whole reply as the answer and flags it when there is no marker', () => {
    expect(parseAnswer('Caroline moved to Paris.', 'benchmark')).toEqual({
      answer: 'Caroline moved to Paris.',
      listing: 'Caroline moved to Paris.',
      markerFound: false,
    });
  });

  it('keeps only the first line in benchmark mode and the whole reply in chat mode', () => {
    const raw = 'Memories used: none\n**Answer:** Paris\nShe moved there in 2022.';
    expect(parseAnswer(raw, 'benchmark').answer).toBe('Paris');
    expect(parseAnswer(raw, 'chat').answer).toBe('Paris\nShe moved there in 2022.');
  });
});

describe('cleanAnswer', () => {
  it('keeps balanced bold inside a chat reply', () => {
    expect(cleanAnswer('I think **Paris** is right.', 'chat')).toBe('I think **Paris** is right.');
  });
});

describe('matchListedMemories', () => {
  const candidates = [
    { text: 'Caroline moved to Paris in 2022' },
    { text: 'Melanie has two children' },
    { text: 'Caroline adopted a dog named Max on 3 June 2023' },
  ];

  it('matches aliases in brackets, "id 2" and "Memory 1" forms', () => {
    expect(matchListedMemories('- [2] dog\n- id 0\n- Memory 1: kids', candidates)).toEqual([2, 0, 1]);
  });

  it('matches copied memory text without aliases', () => {
    expect(
      matchListedMemories('Memories used:\n- Caroline adopted a dog named Max on 3 June 2023', candidates),
    ).toEqual([2]);
  });

  it('matches a bare list of numbers', () => {
    expect(matchListedMemories('Memories used: 1, 2', candidates)).toEqual([1, 2]);
  });

  it('ignores aliases out of range, repeats and "none"', () => {
    expect(matchListedMemories('Memories used: none', candidates)).toEqual([]);
    expect(matchListedMemories('- [9] ?\n- [0]\n- [0]', candidates)).toEqual([0]);
  });

  it('does not match unrelated text', () => {
    expect(matchListedMemories('- The weather is nice', candidates)).toEqual([]);
  });

  it('counts only explicit aliases when asked (no marker: the listing is the answer)', () => {
    expect(matchListedMemories('Caroline moved to Paris in 2022 [0]', candidates, true)).toEqual([0]);
    expect(matchListedMemories('Caroline moved to Paris in 2022', candidates, true)).toEqual([]);
  });
});
