// Hand-computed values for every scoring rule of the LoCoMo and Memory-R1 / mem0 protocols.
import { describe, expect, it } from 'vitest';
import {
  answerToString,
  bleu,
  bleu1,
  exactMatch,
  isAbstention,
  locomoF1,
  locomoMultiHopF1,
  locomoNormalize,
  locomoTokenF1,
  locomoTokens,
  mem0F1,
  mem0Tokens,
  normalizeAnswer,
  wordTokenize,
} from './metrics';

describe('LoCoMo protocol', () => {
  it('lowercases, drops commas and punctuation and the words a/an/the/and', () => {
    expect(locomoNormalize('The Cat, and a Dog!')).toBe('cat dog');
    expect(locomoNormalize('An apple; "quoted" (text)...')).toBe('apple quoted text');
  });

  it('keeps article letters inside words (only whole words are dropped)', () => {
    expect(locomoNormalize('Theater and Android band')).toBe('theater android band');
  });

  it('Porter-stems every token so inflections match', () => {
    expect(locomoTokens('Running dances painted paintings')).toEqual(['run', 'danc', 'paint', 'paint']);
    expect(locomoTokenF1('She painted', 'painting')).toBeCloseTo(2 / 3, 10);
  });

  it('stems like the Porter algorithm, not NLTK extensions, on the documented divergences', () => {
    expect(locomoTokens('say dies carefully')).toEqual(['sai', 'di', 'carefulli']);
  });

  it('counts tokens as a bag: repeated words count once per occurrence', () => {
    // pred [dog, dog, cat], gold [dog]: 1 shared, P = 1/3, R = 1, F1 = 0.5
    expect(locomoTokenF1('dog dog cat', 'dog')).toBeCloseTo(0.5, 10);
    // pred [dog, dog], gold [dog, dog, cat]: 2 shared, P = 1, R = 2/3, F1 = 0.8
    expect(locomoTokenF1('dog dog', 'dog dog cat')).toBeCloseTo(0.8, 10);
  });

  it('scores 0 when nothing overlaps or a side is empty', () => {
    expect(locomoTokenF1('blue', 'red')).toBe(0);
    expect(locomoTokenF1('', 'red')).toBe(0);
    expect(locomoTokenF1('the', 'the')).toBe(0);
  });

  it('splits multi-hop answers on commas and averages the best match per gold part', () => {
    // gold parts rome, paris, oslo: best F1 1, 1, 0 => 2/3
    expect(locomoMultiHopF1('Paris, Rome', 'Rome, Paris, Oslo')).toBeCloseTo(2 / 3, 10);
    // one prediction part "paris and rome" against gold parts paris / rome: F1 2/3 each
    expect(locomoF1('Paris and Rome', 'Paris, Rome', 1)).toBeCloseTo(2 / 3, 10);
  });

  it('does not split single-hop answers on commas', () => {
    // tokens [paris, rome] vs [paris, rome] after comma removal => 1
    expect(locomoF1('Rome, Paris', 'Paris, Rome', 4)).toBe(1);
    expect(locomoF1('Paris', 'Paris, Rome', 4)).toBeCloseTo(2 / 3, 10);
  });

  it('cuts open-domain gold answers at the first semicolon', () => {
    expect(locomoF1('Likely no', 'Likely no; though she likes reading; more', 3)).toBe(1);
    // without the cut the gold would have 6 tokens: F1 = 2 * 1 * (2/6) / (1 + 2/6) = 0.5
    expect(locomoF1('Likely no', 'Likely no; though she likes reading', 4)).toBeCloseTo(0.5, 10);
  });

  it('casts integer gold answers to strings', () => {
    expect(answerToString(2022)).toBe('2022');
    expect(locomoF1('In 2022', 2022, 2)).toBeCloseTo(2 / 3, 10);
    expect(mem0F1('2022', 2022)).toBe(1);
    expect(bleu1('2022', 2022)).toBe(1);
  });

  it('scores adversarial questions by whether the answer says the information is missing', () => {
    expect(locomoF1('That is not mentioned in the conversation.', 'ignored', 5)).toBe(1);
    expect(locomoF1('No information available', '', 5)).toBe(1);
    expect(locomoF1('Self-care is important', '', 5)).toBe(0);
    expect(isAbstention('NOT MENTIONED')).toBe(true);
  });
});

describe('Memory-R1 / mem0 protocol', () => {
  it('strips only . , ! ? and lowercases', () => {
    expect(mem0Tokens("Hi, it's 5.30! (Really?)")).toEqual(['hi', "it's", '5', '30', '(really', ')']);
  });

  it('computes F1 over token sets, keeping articles and ignoring repeats', () => {
    // pred set {the, dog, cat}, gold set {a, dog}: P = 1/3, R = 1/2, F1 = 0.4
    expect(mem0F1('the dog the cat', 'a dog')).toBeCloseTo(0.4, 10);
    expect(mem0F1('Dog.', 'dog')).toBe(1);
  });

  it('does not stem, unlike LoCoMo', () => {
    expect(mem0F1('painting', 'painted')).toBe(0);
    expect(locomoTokenF1('painting', 'painted')).toBe(1);
  });

  it('scores 0 for an empty prediction or gold', () => {
    expect(mem0F1('', 'dog')).toBe(0);
    expect(mem0F1('dog', '')).toBe(0);
    expect(bleu1('   ', 'dog')).toBe(0);
  });
});

describe('BLEU-1', () => {
  it('tokenizes punctuation and contractions as NLTK word_tokenize does', () => {
    expect(wordTokenize("Caroline's dog, Max, didn't bark.")).toEqual([
      'caroline',
      "'s",
      'dog',
      ',',
      'max',
      ',',
      'did',
      "n't",
      'bark',
      '.',
    ]);
    expect(wordTokenize('It cost $1,000 (3.5%)')).toEqual(['it', 'cost', '$', '1,000', '(', '3.5', '%', ')']);
  });

  it('is the clipped unigram precision when the prediction is longer than the gold', () => {
    // hyp [paris, france], ref [paris]: p1 = 1/2, no brevity penalty
    expect(bleu1('Paris France', 'paris')).toBeCloseTo(0.5, 10);
    // hyp [dog, dog, dog], ref [dog, cat]: clipped count 1, p1 = 1/3
    expect(bleu1('dog dog dog', 'dog cat')).toBeCloseTo(1 / 3, 10);
  });

  it('applies the brevity penalty exp(1 - r/c) to short predictions', () => {
    // hyp [paris] (c = 1), ref [paris, france] (r = 2): p1 = 1, BP = e^(1 - 2)
    expect(bleu1('paris', 'paris france')).toBeCloseTo(Math.exp(-1), 10);
    // c = 2, r = 4, p1 = 1: BP = e^(1 - 2)
    expect(bleu1('cat sat', 'the cat sat down')).toBeCloseTo(Math.exp(-1), 10);
  });

  it('counts punctuation tokens, as NLTK does', () => {
    // hyp [yes, .] vs ref [yes]: p1 = 1/2, c > r so BP = 1
    expect(bleu1('Yes.', 'yes')).toBeCloseTo(0.5, 10);
  });

  it('is 0 with no unigram match, where NLTK returns before smoothing', () => {
    expect(bleu1('blue', 'red')).toBe(0);
  });

  it('smooths zero higher-order counts to 0.1 (method 1) instead of zeroing the score', () => {
    // hyp [sat, cat], ref [cat, sat, on, mat]: p1 = 2/2, p2 = 0 -> 0.1/1, BP = e^(1 - 4/2)
    expect(bleu('sat cat', 'cat sat on mat', [0.5, 0.5])).toBeCloseTo(Math.exp(-1) * Math.sqrt(0.1), 10);
    // zero-weighted orders leave BLEU-1 untouched
    expect(bleu('sat cat', 'cat sat on mat', [1, 0, 0, 0])).toBeCloseTo(Math.exp(-1), 10);
  });
});

describe('exact match', () => {
  it('ignores case, punctuation, articles and spacing', () => {
    expect(normalizeAnswer('The  Eiffel Tower!')).toBe('eiffel tower');
    expect(exactMatch('the Eiffel tower.', 'Eiffel Tower')).toBe(true);
    expect(exactMatch('Eiffel', 'Eiffel Tower')).toBe(false);
  });

  it('keeps "and" (unlike LoCoMo F1) and compares integers as strings', () => {
    expect(normalizeAnswer('salt and pepper')).toBe('salt and pepper');
    expect(exactMatch('2022', 2022)).toBe(true);
  });
});
