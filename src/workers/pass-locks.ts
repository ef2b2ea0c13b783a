/**
 * One lock per turn, so a Memory Manager pass runs in one place at a time: the tab that started it holds the turn's
 * lock from the moment its journal entry is written until the pass ends, and another tab that finds the entry waits
 * for the lock before resuming it. With Web Locks the browser releases a closed tab's locks, which is how the other
 * tabs learn that its pass was interrupted. Without Web Locks (Node, tests) the locks are local to this process.
 */

/** Exclusive locks by turn id. */
export interface PassLocks {
  /** Waits until the lock of `turnId` is free, takes it and resolves with the function that releases it. */
  acquire(turnId: string): Promise<() => void>;
  /** Takes the lock of `turnId` if it is free; `undefined` when someone holds it. */
  tryAcquire(turnId: string): Promise<(() => void) | undefined>;
}

/** Name of the Web Lock a pass over the default database holds (followed by `:` and the turn id). */
export const PASS_LOCK_PREFIX = 'memory-r1-pass';

/** Locks shared by every tab and worker of this origin (Web Locks). */
export class WebPassLocks implements PassLocks {
  constructor(
    private readonly locks: LockManager,
    private readonly prefix = PASS_LOCK_PREFIX,
  ) {}

  acquire(turnId: string): Promise<() => void> {
    return this.request(turnId, false) as Promise<() => void>;
  }

  tryAcquire(turnId: string): Promise<(() => void) | undefined> {
    return this.request(turnId, true);
  }

  /** Resolves once the lock is held (or refused), while the lock stays held until the release is called. */
  private request(turnId: string, ifAvailable: boolean): Promise<(() => void) | undefined> {
    return new Promise((resolve, reject) => {
      this.locks
        .request(`${this.prefix}:${turnId}`, { ifAvailable }, (lock) => {
          if (!lock) {
            resolve(undefined);
            return undefined;
          }
          return new Promise<void>((release) => resolve(() => release()));
        })
        .catch(reject);
    });
  }
}

/** Locks within this process only: for Node, tests, and browsers without Web Locks. */
export class LocalPassLocks implements PassLocks {
  /** Per held turn, the waiters to hand the lock to, in order. */
  private readonly held = new Map<string, (() => void)[]>();

  acquire(turnId: string): Promise<() => void> {
    const waiters = this.held.get(turnId);
    if (!waiters) return Promise.resolve(this.take(turnId));
    return new Promise((resolve) => waiters.push(() => resolve(this.releaser(turnId))));
  }

  async tryAcquire(turnId: string): Promise<(() => void) | undefined> {
    return this.held.has(turnId) ? undefined : this.take(turnId);
  }

  private take(turnId: string): () => void {
    this.held.set(turnId, []);
    return this.releaser(turnId);
  }

  /** A release function that works once: it hands the lock to the next waiter, or frees it. */
  private releaser(turnId: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.held.get(turnId)?.shift();
      if (next) next();
      else this.held.delete(turnId);
    };
  }
}

/** The locks for this runtime: Web Locks when the browser has them, else process-local ones. */
export function passLocks(): PassLocks {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  return locks ? new WebPassLocks(locks) : new LocalPassLocks();
}
