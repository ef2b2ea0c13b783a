import { describe, expect, it } from 'vitest';
import { groupAdvantages } from './grpo';

describe('groupAdvantages', () => {
  it('normalizes a mixed group by its mean and unbiased standard deviation', () => {
    const adv = groupAdvantages([1, 0, 0, 1]);
    const std = Math.sqrt(1 / 3);
    [0.5, -0.5, -0.5, 0.5].forEach((d, i) => expect(adv[i]).toBeCloseTo(d / std, 5));
    expect(adv.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
  });

  it('gives zeros to a group whose rewards are all equal', () => {
    expect(groupAdvantages([1, 1, 1])).toEqual([0, 0, 0]);
    expect(groupAdvantages([0, 0])).toEqual([0, 0]);
  });

  it('gives a single sample its reward, as verl does', () => {
    expect(groupAdvantages([1])[0]).toBeCloseTo(1, 5);
    expect(groupAdvantages([0])).toEqual([0]);
  });

  it('returns nothing for an empty group', () => {
    expect(groupAdvantages([])).toEqual([]);
  });
});
