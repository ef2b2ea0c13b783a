/**
 * Keeps a view of the memory worker's data fresh: while its host is connected, it listens to the worker's events and
 * calls `refresh` when a memory pass finished or the memories changed (and once on connecting).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MemoryService } from '../agent/memory-worker-client';

/** Calls `refresh` on connect and on every 'memories-changed' or 'memory-pass' event, until the host disconnects. */
export class MemoryChangesController implements ReactiveController {
  private unsubscribe?: () => void;

  /** `memory` is read on each connect (a context the host consumes is set by then). */
  constructor(
    host: ReactiveControllerHost,
    private readonly memory: () => MemoryService | undefined,
    private readonly refresh: () => Promise<void>,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe = this.memory()?.onEvent((event) => {
      if (event.type === 'memories-changed' || event.type === 'memory-pass') void this.refresh();
    });
    void this.refresh();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
