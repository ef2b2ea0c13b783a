/**
 * Seeded pseudo-random numbers for tests and benchmarks that must see the same data on every run: a Mulberry32
 * generator and standard normal draws from it (Box-Muller).
 */

/**
 * A small seeded PRNG (Mulberry32) giving floats in [0, 1).
 * @example mulberry32(1)() // => 0.6270739405881613
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (mean 0, standard deviation 1) from a uniform generator. */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}
