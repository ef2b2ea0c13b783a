// Both PassLocks implementations behave alike: one holder per turn, `tryAcquire` refuses while it is held, a waiter
// gets the lock when it is released, and a release counts once. Web Locks also free the lock of a closed agent.
import { describe, expect, it, vi } from 'vitest';
import { LocalPassLocks, WebPassLocks, type PassLocks } from './pass-locks';

const implementations: [string, () => PassLocks][] = [
  ['LocalPassLocks', () => new LocalPassLocks()],
  ['WebPassLocks', () => new WebPassLocks(navigator.locks, `test-${crypto.randomUUID()}`)],
];

describe.each(implementations)('%s', (_name, make) => {
  it('has one holder per turn and hands the lock to the next waiter on release', async () => {
    const locks = make();
    const first = await locks.acquire('t1');
    expect(await locks.tryAcquire('t1')).toBeUndefined();
    const other = await locks.tryAcquire('t2');
    expect(other).toBeDefined();
    const order: string[] = [];
    const waiting = locks.acquire('t1').then((release) => {
      order.push('waiter');
      return release;
    });
    await Promise.resolve();
    order.push('released');
    first();
    first();
    const second = await waiting;
    expect(order).toEqual(['released', 'waiter']);
    expect(await locks.tryAcquire('t1')).toBeUndefined();
    second();
    // Web Locks free a released lock asynchronously.
    const third = await vi.waitFor(async () => {
      const release = await locks.tryAcquire('t1');
      expect(release).toBeDefined();
      return release!;
    });
    third();
    other!();
  });
});

describe('WebPassLocks across agents', () => {
  it('gets the lock a terminated worker held', async () => {
    const prefix = `test-${crypto.randomUUID()}`;
    const source = `navigator.locks.request('${prefix}:t1', () => { postMessage('held'); return new Promise(() => {}); });`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    await new Promise((resolve) => (worker.onmessage = resolve));
    const locks = new WebPassLocks(navigator.locks, prefix);
    expect(await locks.tryAcquire('t1')).toBeUndefined();
    const waiting = locks.acquire('t1');
    worker.terminate();
    const release = await waiting;
    release();
  });
});
