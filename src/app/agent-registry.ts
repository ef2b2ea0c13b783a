/**
 * One agent per storage name per page: `<memory-r1-chat>` and `<memory-r1-memories>` with the same `storage-name`
 * share one memory worker (so the inspector sees the chat's memories at once), and the worker stops when the last
 * element using it leaves the page.
 */
import { createMemoryAgent, type MemoryAgent } from '../agent/memory-agent';

interface Entry {
  agent: Promise<MemoryAgent>;
  users: number;
}

const entries = new Map<string, Entry>();

/** The agent of `storageName`, started on first use; pair every call with `releaseAgent`. */
export function acquireAgent(storageName: string): Promise<MemoryAgent> {
  let entry = entries.get(storageName);
  if (!entry) {
    entry = { agent: createMemoryAgent({ storageName }), users: 0 };
    entries.set(storageName, entry);
    // A failed start is not cached: the next element to connect tries again.
    entry.agent.catch(() => entries.delete(storageName));
  }
  entry.users += 1;
  return entry.agent;
}

/** Gives back an agent from `acquireAgent`; the last user's release closes it. */
export function releaseAgent(storageName: string): void {
  const entry = entries.get(storageName);
  if (!entry || --entry.users > 0) return;
  entries.delete(storageName);
  void entry.agent.then((agent) => agent.close()).catch(() => undefined);
}
