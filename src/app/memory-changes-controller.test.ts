import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { describe, expect, it } from 'vitest';
import type { MemoryService } from '../agent/memory-worker-client';
import type { MemoryWorkerEvent } from '../protocol/memory-protocol';
import { MemoryChangesController } from './memory-changes-controller';

/** A memory service that only delivers the events a test emits. */
function fakeMemory() {
  const listeners = new Set<(event: MemoryWorkerEvent) => void>();
  const memory = {
    call: () => Promise.reject(new Error('not used')),
    onEvent: (listener: (event: MemoryWorkerEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as MemoryService;
  return { memory, listeners, emit: (event: MemoryWorkerEvent) => listeners.forEach((l) => l(event)) };
}

function setUp(memory: MemoryService | undefined) {
  const controllers: ReactiveController[] = [];
  let refreshes = 0;
  const host: ReactiveControllerHost & { refresh(): Promise<void> } = {
    addController: (c) => void controllers.push(c),
    removeController: () => undefined,
    requestUpdate: () => undefined,
    updateComplete: Promise.resolve(true),
    refresh: () => Promise.resolve(void refreshes++),
  };
  new MemoryChangesController(host, () => memory);
  return { controller: controllers[0]!, refreshes: () => refreshes };
}

describe('MemoryChangesController', () => {
  it('refreshes on connect and on each finished pass or change, and stops listening on disconnect', () => {
    const fake = fakeMemory();
    const { controller, refreshes } = setUp(fake.memory);
    controller.hostConnected!();
    expect(refreshes()).toBe(1);
    fake.emit({ type: 'memories-changed' });
    fake.emit({ type: 'embedder-status', status: 'ready' });
    expect(refreshes()).toBe(2);
    controller.hostDisconnected!();
    expect(fake.listeners.size).toBe(0);
    fake.emit({ type: 'memories-changed' });
    expect(refreshes()).toBe(2);
  });

  it('still refreshes once on connect when no memory service is provided', () => {
    const { controller, refreshes } = setUp(undefined);
    controller.hostConnected!();
    controller.hostDisconnected!();
    expect(refreshes()).toBe(1);
  });
});
