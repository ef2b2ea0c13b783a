/**
 * GRPO's group-normalized advantages, computed as verl computes them for `algorithm.adv_estimator=grpo`, so a
 * rollout here and a training step there agree: within a group (the samples of one prompt) each reward minus the
 * group mean, divided by the group's standard deviation (unbiased, as `torch.std`) plus `eps`. A group whose
 * rewards are all equal has zero advantages; a group of one sample uses mean 0 and deviation 1, so its advantage is
 * its reward (verl's convention).
 */

/** Default `eps` (verl's `epsilon`). */
export const GRPO_EPS = 1e-6;

/**
 * The advantages of one group's rewards.
 * @example groupAdvantages([1, 0, 0, 1]) // => [0.866, -0.866, -0.866, 0.866] (to 3 decimals)
 */
export function groupAdvantages(rewards: readonly number[], eps = GRPO_EPS): number[] {
  if (rewards.length === 0) return [];
  if (rewards.length === 1) return [rewards[0]! / (1 + eps)];
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const variance = rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (rewards.length - 1);
  const std = Math.sqrt(variance);
  if (std === 0) return rewards.map(() => 0);
  return rewards.map((r) => (r - mean) / (std + eps));
}
