/**
 * The cross-tab change feed of `IndexedDbStore`: every committed change is announced on the BroadcastChannel
 * `memory-r1-changes` as a `ChangeMessage` (validated on receipt, so a foreign message is ignored), and listeners
 * of `onChange` get a `StoreChange` for local and remote changes alike.
 */
import { z } from 'zod';

/** Name of the BroadcastChannel committed changes are announced on. */
export const CHANGE_CHANNEL = 'memory-r1-changes';

/** A committed change, from this page (`local`) or another page on the same database (`remote`). */
export interface StoreChange {
  origin: 'local' | 'remote';
  /** What changed: memories (and their events), embeddings, failures, the pass journal, or everything (clear). */
  kind: 'memories' | 'embeddings' | 'failures' | 'passes' | 'reset';
  /** The memories concerned, for `memories` and `embeddings`. */
  memoryIds?: string[];
  /**
   * Set when refreshing after a remote change failed (e.g. a damaged record: the index may be stale), or with
   * `StoreClosedError` when the store closed itself so a newer app version in another tab could upgrade the database.
   */
  error?: Error;
}

const fromId = z.string();
/** A change announced to other pages on the same database. */
export const changeMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memories'), db: z.string(), from: fromId, memoryIds: z.array(z.string()) }),
  z.object({
    kind: z.literal('embeddings'),
    db: z.string(),
    from: fromId,
    embedderId: z.string(),
    hashes: z.array(z.string()),
  }),
  z.object({ kind: z.literal('failures'), db: z.string(), from: fromId }),
  z.object({ kind: z.literal('passes'), db: z.string(), from: fromId }),
  z.object({ kind: z.literal('reset'), db: z.string(), from: fromId }),
]);
/** A parsed change announcement. */
export type ChangeMessage = z.infer<typeof changeMessageSchema>;

/** A change this page announces (the feed adds the database name and the sender). */
type Announcement =
  | { kind: 'memories'; memoryIds: string[] }
  | { kind: 'embeddings'; embedderId: string; hashes: string[] }
  | { kind: 'failures' | 'passes' | 'reset' };

/** One store's end of the feed: announces its commits, tells its listeners, and hands other pages' to `onRemote`. */
export class ChangeFeed {
  private readonly instanceId = crypto.randomUUID();
  private readonly channel = new BroadcastChannel(CHANGE_CHANNEL);
  private readonly listeners = new Set<(change: StoreChange) => void>();

  /** Listens for announcements about database `db` from other instances. */
  constructor(
    private readonly db: string,
    onRemote: (message: ChangeMessage) => void,
  ) {
    this.channel.onmessage = (event: MessageEvent<unknown>) => {
      const parsed = changeMessageSchema.safeParse(event.data);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.db !== this.db || message.from === this.instanceId) return;
      onRemote(message);
    };
  }

  /** Adds a listener; returns the unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells other pages and local listeners about a committed change. */
  announce(change: Exclude<Announcement, { kind: 'embeddings' }>): void {
    this.broadcast(change);
    this.emit({ origin: 'local', ...change });
  }

  /** Tells other pages only. */
  broadcast(change: Announcement): void {
    const message: ChangeMessage = { ...change, db: this.db, from: this.instanceId };
    this.channel.postMessage(message);
  }

  /** Tells local listeners only. */
  emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  /** Stops listening to other pages. */
  close(): void {
    this.channel.close();
  }

  /** Drops every local listener. */
  clearListeners(): void {
    this.listeners.clear();
  }
}
