/** A concurrency limiter: the evaluation runners use it to keep at most N model calls in flight. */

/** Runs at most `size` tasks at a time, in the order they asked. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Runs `task` when a slot is free and returns its result. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) {
      // The finishing task hands its slot over directly, so `active` never over-counts in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
