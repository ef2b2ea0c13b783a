/**
 * The memory worker's Memory Manager passes, made durable so no turn is stranded. A pass is written to the store's
 * pass journal before its message is saved, under the turn's lock (pass-locks.ts), and runs in the background, one
 * at a time in turn order; the store removes the journal entry in the same write that applies the turn's batch or
 * records its failure. So when a tab or the browser closes mid-pass, the entry stays: on start-up (and when another
 * tab's lock on it is released) the pass is resumed once, and a pass interrupted again is recorded as failed, with
 * Retry. Listing a conversation settles any turn still marked pending without a running pass: it shows the changes
 * held for review, else the batch that committed (with Undo), else the recorded failure, else an interruption with
 * Retry. A pass held for review (held-pass.ts) is applied or discarded here too, under the turn's lock.
 */
import { NotFoundError, toErrorData } from '../core/errors';
import { applyHeldPass, discardHeldPass } from '../core/held-pass';
import type { MemoryManager } from '../core/memory-manager';
import type { ProcessTurnResult } from '../core/memory-manager-types';
import { previewOps } from '../core/review-guard';
import type { Embedder, HeldPass, MemoryStore, PassTurn, PendingPass, TurnFailure } from '../core/types';
import type { HeldChange, MemoryWorkerEvent } from '../protocol/memory-protocol';
import type { MemoryPassInfo, StoredMessage } from '../core/conversation';
import { DEFAULT_SPEAKER } from '../protocol/settings';
import type { ConversationStore } from '../store/conversations-store';
import { HISTORY_MESSAGES, toChat } from './chat-history';
import type { PassLocks } from './pass-locks';

/** What the passes need from the memory service. */
export interface MemoryPassesDeps {
  store: MemoryStore;
  conversations: ConversationStore;
  locks: PassLocks;
  /** A Memory Manager for the current settings (creating the models on first use). */
  manager(): Promise<MemoryManager>;
  /** The embedder new texts are embedded with, when one is ready. */
  embedder(): Embedder | undefined;
  emit(event: MemoryWorkerEvent): void;
  now(): number;
}

/** How often an interrupted pass is resumed automatically before it is shown as failed. */
export const MAX_RESUMES = 1;

/** The `code` of a failure recorded for a pass that was interrupted and not resumed. */
export const INTERRUPTED = 'pass-interrupted';

/** A started pass: `run` queues it (once its message is saved); `abandon` drops it when saving failed. */
export interface StartedPass {
  run(): void;
  abandon(): Promise<void>;
}

/** The durable passes of one memory worker (see the module comment). */
export class MemoryPasses {
  private queue: Promise<unknown> = Promise.resolve();
  private scans: Promise<unknown> = Promise.resolve();
  /** Turns whose lock this worker holds or waits for. */
  private readonly mine = new Set<string>();

  constructor(private readonly deps: MemoryPassesDeps) {}

  /** Resolves once every queued pass, and every resumption found so far, has finished. */
  async idle(): Promise<void> {
    let queue: Promise<unknown>;
    do {
      queue = this.queue;
      await Promise.all([this.scans, queue]);
    } while (queue !== this.queue);
  }

  /** Journals the pass of a new user turn said by `speaker`, holding its lock; see `StartedPass`. */
  async begin(user: StoredMessage, speaker: string): Promise<StartedPass> {
    const pass: PassTurn = {
      turnId: user.id,
      conversationId: user.conversationId,
      speaker,
      text: user.text,
      turnTime: user.time,
    };
    const release = await this.start(pass);
    return {
      run: () => void this.enqueue(pass, release).catch(() => undefined),
      abandon: async () => {
        try {
          await this.deps.store.clearPass(pass.turnId);
        } finally {
          release();
        }
      },
    };
  }

  /** Runs a failed turn's pass again (journaled like a new one); the speaker is the one it was said under. */
  async retry(turnId: string, speaker: string): Promise<MemoryPassInfo> {
    const failure = (await this.deps.store.failures()).find((f) => f.turnId === turnId);
    const message = await this.deps.conversations.getMessage(turnId);
    const pass: PassTurn | undefined = message
      ? {
          turnId,
          conversationId: message.conversationId,
          speaker: failure?.speaker ?? speaker,
          text: message.text,
          turnTime: message.time,
        }
      : failure && turnOf(failure);
    if (!pass) throw new NotFoundError('That memory pass is no longer waiting for a retry.');
    return this.enqueue(pass, await this.start(pass));
  }

  /**
   * Resumes the interrupted passes in the journal: at once when no one holds their lock, otherwise as soon as the
   * holder (another tab) releases it without having finished the pass. Resolves once the free ones are queued.
   */
  resumeInterrupted(): Promise<void> {
    const scan = this.scan();
    this.scans = Promise.all([this.scans, scan.catch(() => undefined)]);
    return scan;
  }

  /** Settles the memory state of listed user turns still marked pending that no pass will finish (module comment). */
  async settle(messages: StoredMessage[]): Promise<StoredMessage[]> {
    if (!messages.some(isPendingTurn)) return messages;
    const journal = new Map((await this.deps.store.passes()).map((p) => [p.turnId, p]));
    const settled: StoredMessage[] = [];
    for (const message of messages) {
      const entry = journal.get(message.id);
      if (!isPendingTurn(message) || entry?.state === 'pending' || this.mine.has(message.id)) {
        settled.push(message);
        continue;
      }
      const fixed = { ...message, memory: entry ? heldInfo(entry) : await this.outcome(message) };
      await this.deps.conversations.putMessage(fixed);
      settled.push(fixed);
    }
    return settled;
  }

  /** The passes held for review, oldest turn first. */
  async held(): Promise<HeldChange[]> {
    return (await this.deps.store.passes()).flatMap((p) =>
      p.state === 'held'
        ? [
            {
              turnId: p.turnId,
              ...(p.conversationId !== undefined && { conversationId: p.conversationId }),
              text: p.text,
              turnTime: p.turnTime,
              reason: p.reason,
              operations: previewOps(p.ops),
            },
          ]
        : [],
    );
  }

  /** Applies a held pass after review (a memory changed since fails it, recorded with Retry). */
  applyHeld(turnId: string): Promise<MemoryPassInfo> {
    return this.review(turnId, async (pass) => {
      const result = await applyHeldPass(this.deps.store, pass, {
        embedder: this.deps.embedder(),
        now: this.deps.now,
      });
      return result.status === 'failed'
        ? { status: 'failed', operations: [], error: result.error }
        : { status: 'done', batchId: result.batch.batchId, operations: result.batch.applied };
    });
  }

  /** Discards a held pass: no memory changes and the turn counts as processed. */
  discardHeld(turnId: string): Promise<MemoryPassInfo> {
    return this.review(turnId, async (pass) => {
      const batch = await discardHeldPass(this.deps.store, pass);
      return { status: 'done', batchId: batch.batchId, operations: [], discarded: true };
    });
  }

  /** Runs the user's decision on a held pass under its turn's lock, then shows the outcome on the turn. */
  private async review(
    turnId: string,
    decide: (pass: HeldPass) => Promise<MemoryPassInfo>,
  ): Promise<MemoryPassInfo> {
    const release = await this.lock(turnId, 'wait');
    try {
      const entry = (await this.deps.store.passes()).find((p) => p.turnId === turnId);
      if (entry?.state !== 'held') {
        throw new NotFoundError(
          'These changes are no longer waiting for review; they were applied or discarded.',
        );
      }
      const info = await decide(entry);
      await this.show(entry, info);
      return info;
    } finally {
      release();
    }
  }

  private async scan(): Promise<void> {
    const waiting = (await this.deps.store.passes()).filter(
      (p): p is PendingPass => p.state === 'pending' && !this.mine.has(p.turnId),
    );
    await Promise.all(
      waiting.map(async ({ turnId }) => {
        const release = await this.lock(turnId, 'try');
        if (release) return this.resume(turnId, release);
        void this.lock(turnId, 'wait')
          .then((later) => this.resume(turnId, later))
          .catch(() => undefined);
      }),
    );
  }

  /** Resumes one journaled pass whose lock this worker now holds, if it is still pending. */
  private async resume(turnId: string, release: () => void): Promise<void> {
    try {
      const entry = (await this.deps.store.passes()).find((p) => p.turnId === turnId);
      if (entry?.state !== 'pending') return release();
      if (!(await this.deps.conversations.getMessage(turnId))) {
        // Its conversation was deleted (or the message never saved): there is no turn left to remember.
        await this.deps.store.clearPass(turnId);
        return release();
      }
      if (entry.resumes >= MAX_RESUMES) {
        await this.show(entry, await this.interrupted(entry, entry.resumes + 1));
        return release();
      }
      await this.deps.store.putPass({ ...entry, resumes: entry.resumes + 1 });
      void this.enqueue(turnOf(entry), release).catch(() => undefined);
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Takes the turn's lock (waiting for it, or only if free) and remembers that this worker holds it. */
  private async lock(turnId: string, how: 'wait'): Promise<() => void>;
  private async lock(turnId: string, how: 'try'): Promise<(() => void) | undefined>;
  private async lock(turnId: string, how: 'wait' | 'try'): Promise<(() => void) | undefined> {
    const { locks } = this.deps;
    this.mine.add(turnId);
    const release = how === 'wait' ? await locks.acquire(turnId) : await locks.tryAcquire(turnId);
    if (!release) {
      this.mine.delete(turnId);
      return undefined;
    }
    return () => {
      this.mine.delete(turnId);
      release();
    };
  }

  /** Takes the turn's lock (waiting for it) and journals its pass as pending; resolves with the release. */
  private async start(pass: PassTurn): Promise<() => void> {
    const release = await this.lock(pass.turnId, 'wait');
    try {
      await this.deps.store.putPass({ state: 'pending', ...pass, startedAt: this.deps.now(), resumes: 0 });
      return release;
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Queues a pass behind the others; its lock is released when it ends. */
  private enqueue(pass: PassTurn, release: () => void): Promise<MemoryPassInfo> {
    const run = this.queue.then(() => this.run(pass)).finally(release);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs the Memory Manager over one turn and records the outcome on its message. */
  private async run(pass: PassTurn): Promise<MemoryPassInfo> {
    let info: MemoryPassInfo;
    try {
      const manager = await this.deps.manager();
      const conversationId = pass.conversationId ?? '';
      const earlier = (await this.deps.conversations.listMessages(conversationId)).filter(
        (m) => m.time < pass.turnTime,
      );
      const result = await manager.processTurn({
        conversationId,
        turnId: pass.turnId,
        speaker: pass.speaker ?? DEFAULT_SPEAKER,
        text: pass.text,
        time: pass.turnTime,
        context: toChat(earlier).slice(-HISTORY_MESSAGES),
      });
      info = await this.infoOf(result, pass.turnId);
    } catch (err) {
      // The models could not even be created: record it like a failed pass so Retry finds it.
      const error = toErrorData(err);
      await this.deps.store.recordFailure({
        ...turnOf(pass),
        stage: 'extract',
        code: error.code,
        message: error.message,
        time: this.deps.now(),
        attempts: 1,
      });
      info = { status: 'failed', operations: [], error };
    }
    await this.show(pass, info);
    return info;
  }

  private async infoOf(result: ProcessTurnResult, turnId: string): Promise<MemoryPassInfo> {
    if (result.status === 'failed') return { status: 'failed', operations: [], error: result.error };
    if (result.status === 'held')
      return { status: 'held', operations: result.operations, reason: result.reason };
    if (result.status === 'skipped') {
      // Applied earlier (e.g. by a pass interrupted after its batch committed): show that batch, with Undo.
      const batch = await this.deps.store.findTurn(turnId);
      return { status: 'done', batchId: result.batchId, operations: batch?.applied ?? [] };
    }
    return { status: 'done', batchId: result.batchId, operations: result.operations };
  }

  /** What became of a turn no pass will finish: its batch, else its failure, else an interruption (recorded). */
  private async outcome(message: StoredMessage): Promise<MemoryPassInfo> {
    const batch = await this.deps.store.findTurn(message.id);
    if (batch) return { status: 'done', batchId: batch.batchId, operations: batch.applied };
    const failure = (await this.deps.store.failures()).find((f) => f.turnId === message.id);
    if (failure) {
      return {
        status: 'failed',
        operations: [],
        error: { name: 'AppError', code: failure.code, message: failure.message },
      };
    }
    const turn = { turnId: message.id, conversationId: message.conversationId, text: message.text };
    return this.interrupted({ ...turn, turnTime: message.time }, 1);
  }

  /** Records that a pass was interrupted and will not be resumed again; returns the failed state to show. */
  private async interrupted(pass: PassTurn, attempts: number): Promise<MemoryPassInfo> {
    const failure: TurnFailure = {
      ...turnOf(pass),
      stage: 'extract',
      code: INTERRUPTED,
      message:
        'The memory pass for this message was interrupted (the tab or browser closed while it ran) and was not ' +
        'finished, so nothing was remembered from it. Retry to process it.',
      time: this.deps.now(),
      attempts,
    };
    await this.deps.store.recordFailure(failure);
    return {
      status: 'failed',
      operations: [],
      error: { name: 'AppError', code: failure.code, message: failure.message },
    };
  }

  /** Puts the outcome on the turn's message and tells the page. */
  private async show(pass: PassTurn, info: MemoryPassInfo): Promise<void> {
    const latest = await this.deps.conversations.getMessage(pass.turnId);
    if (latest) await this.deps.conversations.putMessage({ ...latest, memory: info });
    this.deps.emit({
      type: 'memory-pass',
      conversationId: latest?.conversationId ?? pass.conversationId ?? '',
      messageId: pass.turnId,
      memory: info,
    });
    this.deps.emit({ type: 'memories-changed' });
  }
}

/** What a turn whose pass is held for review shows. */
function heldInfo(pass: HeldPass): MemoryPassInfo {
  return { status: 'held', operations: previewOps(pass.ops), reason: pass.reason };
}

/** Whether a message is a user turn whose memory pass is shown as still running. */
function isPendingTurn(message: StoredMessage): boolean {
  return message.role === 'user' && message.memory?.status === 'pending';
}

/** Only the turn's own fields, so journal and failure records never carry each other's fields. */
function turnOf(pass: PassTurn): PassTurn {
  return {
    turnId: pass.turnId,
    ...(pass.conversationId !== undefined && { conversationId: pass.conversationId }),
    ...(pass.speaker !== undefined && { speaker: pass.speaker }),
    text: pass.text,
    turnTime: pass.turnTime,
  };
}
