import { describe, expect, it } from 'vitest';
import { createProgressTracker } from './webllm-loader';

const MB = 1024 * 1024;

describe("createProgressTracker reading WebLLM's progress texts", () => {
  it('reads fetched megabytes, derives the total and computes an ETA from the rate', () => {
    let t = 0;
    const track = createProgressTracker(() => t);
    const first = track({
      progress: 0.1,
      timeElapsed: 1,
      text: 'Fetching param cache[1/10]: 100MB fetched. 10% completed, 1 secs elapsed. It can take a while…',
    });
    expect(first).toMatchObject({
      phase: 'download',
      fraction: 0.1,
      loadedBytes: 100 * MB,
      totalBytes: 1000 * MB,
    });
    expect(first.etaSeconds).toBeUndefined();
    t = 10_000;
    const later = track({
      progress: 0.3,
      timeElapsed: 11,
      text: 'Fetching param cache[3/10]: 300MB fetched. 30% completed, 11 secs elapsed.',
    });
    // 200 MB in 10 s = 20 MB/s; 700 MB left.
    expect(later.etaSeconds).toBeCloseTo(35, 5);
  });

  it('reports loading from cache as the load phase', () => {
    const p = createProgressTracker(() => 0)({
      progress: 0.5,
      timeElapsed: 2,
      text: 'Loading model from cache[5/10]: 512MB loaded. 50% completed, 2 secs elapsed.',
    });
    expect(p).toMatchObject({ phase: 'load', loadedBytes: 512 * MB, totalBytes: 1024 * MB });
  });

  it('keeps texts without byte counts as a plain fraction', () => {
    const p = createProgressTracker(() => 0)({
      progress: 1,
      timeElapsed: 3,
      text: 'Finish loading on WebGPU - nvidia',
    });
    expect(p).toEqual({ phase: 'load', fraction: 1, text: 'Finish loading on WebGPU - nvidia' });
  });
});
