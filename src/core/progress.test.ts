import { describe, expect, it } from 'vitest';
import { countProgress, progressFraction, type Progress } from './progress';

describe('progressFraction', () => {
  it('is done over total', () => {
    expect(progressFraction(1, 4)).toBe(0.25);
    expect(progressFraction(4, 4)).toBe(1);
  });
  it('is 1 when the total is zero (nothing to do is done), so nothing divides by it', () => {
    expect(progressFraction(0, 0)).toBe(1);
  });
  it('stays within 0..1 when the counts disagree', () => {
    expect(progressFraction(5, 4)).toBe(1);
    expect(progressFraction(-1, 4)).toBe(0);
  });
});

describe('countProgress', () => {
  it('gives the counts, their fraction, the text and the phase', () => {
    const p: Progress<'ingest' | 'answer'> = countProgress(3, 12, 'Answering: question 3 of 12', 'answer');
    expect(p).toEqual({
      fraction: 0.25,
      text: 'Answering: question 3 of 12',
      done: 3,
      total: 12,
      phase: 'answer',
    });
  });
  it('leaves the phase out when none is given', () => {
    expect(countProgress(0, 0, 'Nothing to embed')).toEqual({
      fraction: 1,
      text: 'Nothing to embed',
      done: 0,
      total: 0,
    });
  });
});
