/**
 * Keeps a view of the memory worker's data fresh: while its host is connected, it listens to the worker's events and
 * calls its `refresh` when a memory pass finished or the memories changed (and once on connecting).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MemoryService } from '../agent/memory-worker-client';

/** Calls the host's `refresh` on connect and on every 'memories-changed' or 'memory-pass' event, until it disconnects. */
export class MemoryChangesController implements ReactiveController {
  private unsubscribe?: () => void;

  /** `memory` is read on each connect (a context the host consumes is set by then). */
  constructor(
    private readonly host: ReactiveControllerHost & { refresh(): Promise<void> },
    private readonly memory: () => MemoryService | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe = this.memory()?.onEvent((event) => {
      if (event.type === 'memories-changed' || event.type === 'memory-pass') void this.host.refresh();
    });
    void this.host.refresh();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
