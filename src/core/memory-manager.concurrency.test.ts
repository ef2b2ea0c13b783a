// Lost updates: a memory that changes after the Memory Manager was shown it (another tab's pass, the user's own
// edit) is never overwritten blindly. The store refuses the stale batch, the turn is decided once more with the
// current memories, the user's edit is kept, and a second conflict fails the turn with a clear reason.
import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../store/in-memory-store';
import { ScriptedChatModel, type ScriptedResponder } from '../testing/scripted-chat-model';
import { MemoryManager } from './memory-manager';
import type { TurnInput } from './memory-manager-types';
import type { ChatRequest, MemoryStore } from './types';

const T0 = Date.UTC(2024, 2, 1, 9, 0);

function turn(text: string, turnId = 'tab-b'): TurnInput {
  return { conversationId: 'c1', turnId, speaker: 'Ana', text, time: T0 };
}

/** The memories a decision request shows, under their aliases. */
function shownMemories(req: ChatRequest): { id: string; text: string }[] {
  const content = req.messages.at(-1)!.content;
  return (
    JSON.parse(content.slice(content.indexOf('{"facts"'))) as { memories: { id: string; text: string }[] }
  ).memories;
}

/** A decision that appends `items` to the shown memory starting with `prefix`, as a merging model would. */
function append(prefix: string, items: string): ScriptedResponder {
  return (req) => {
    const memory = shownMemories(req).find((m) => m.text.startsWith(prefix))!;
    return JSON.stringify({
      operations: [{ op: 'UPDATE', id: memory.id, text: `${memory.text}, ${items}` }],
    });
  };
}

/** Runs `change` (another writer) just before `then` answers, i.e. after the decision prompt was built. */
function meanwhile(change: () => Promise<unknown>, then: ScriptedResponder): ScriptedResponder {
  return async (req, info) => {
    await change();
    return then(req, info);
  };
}

async function seed(store: MemoryStore, text: string): Promise<string> {
  const result = await store.apply({ turnId: 'seed', time: T0 - 1000, ops: [{ op: 'ADD', text }] });
  return result.applied[0]!.memoryId;
}

const facts = (...list: string[]) => JSON.stringify({ facts: list });

describe('MemoryManager with memories changing under it', () => {
  it('keeps both tabs’ additions: a decision made against an older text is decided again with the new one', async () => {
    const store = new InMemoryStore();
    const id = await seed(store, 'Shared list: seed');
    const otherTab = () =>
      store.apply({
        turnId: 'tab-a',
        ops: [
          { op: 'UPDATE', id, text: 'Shared list: seed, A-1, A-2', expected: { text: 'Shared list: seed' } },
        ],
      });
    const model = new ScriptedChatModel({
      replies: [
        facts('Shared list: B-1, B-2'),
        meanwhile(otherTab, append('Shared list', 'B-1, B-2')),
        append('Shared list', 'B-1, B-2'),
      ],
    });
    const stages: string[] = [];
    const result = await new MemoryManager({ model, store }).processTurn(
      turn('Add B-1 and B-2 to the list.'),
      {
        onStage: (stage) => stages.push(stage),
      },
    );
    expect(result.status).toBe('applied');
    expect((await store.get(id))!.text).toBe('Shared list: seed, A-1, A-2, B-1, B-2');
    expect(shownMemories(model.requests[2]!)[0]!.text).toBe('Shared list: seed, A-1, A-2');
    expect(stages).toEqual(['extract', 'retrieve', 'decide', 'apply', 'retrieve', 'decide', 'apply']);
    expect((await store.history(id)).map((e) => [e.turnId, e.before, e.after])).toEqual([
      ['seed', null, 'Shared list: seed'],
      ['tab-a', 'Shared list: seed', 'Shared list: seed, A-1, A-2'],
      ['tab-b', 'Shared list: seed, A-1, A-2', 'Shared list: seed, A-1, A-2, B-1, B-2'],
    ]);
  });

  it('keeps the user’s own edit made while the pass waited for its decision', async () => {
    const store = new InMemoryStore();
    const id = await seed(store, 'Ana lives in Berlin');
    const userEdit = () =>
      store.apply({ modelId: 'user', ops: [{ op: 'UPDATE', id, text: 'Ana lives in Munich' }] });
    const moveToParis: ScriptedResponder = () =>
      JSON.stringify({ operations: [{ op: 'UPDATE', id: '0', text: 'Ana lives in Paris' }] });
    const model = new ScriptedChatModel({
      replies: [facts('Ana lives in Paris'), meanwhile(userEdit, moveToParis), moveToParis],
    });
    const result = await new MemoryManager({ model, store }).processTurn(turn('I live in Paris now.'));
    expect((await store.get(id))!.text).toBe('Ana lives in Munich');
    expect(result).toMatchObject({ status: 'applied', operations: [] });
    expect(result.rejected.map((r) => r.reason)).toEqual([
      'UPDATE of memory 0, which the user edited while this turn was processed; their edit is kept',
    ]);
  });

  it('decides again when a memory it would delete was deleted meanwhile, and applies the rest of the turn', async () => {
    const store = new InMemoryStore();
    const id = await seed(store, 'Ana has a cat named Tom');
    const otherTab = () => store.apply({ turnId: 'tab-a', ops: [{ op: 'DELETE', id }] });
    const forgetCat: ScriptedResponder = (req) =>
      JSON.stringify({
        operations: [
          ...shownMemories(req).map((m) => ({ op: 'DELETE', id: m.id })),
          { op: 'ADD', text: 'Ana gave her cat to a friend' },
        ],
      });
    const model = new ScriptedChatModel({
      replies: [facts('Ana gave her cat to a friend'), meanwhile(otherTab, forgetCat), forgetCat],
    });
    const result = await new MemoryManager({ model, store }).processTurn(turn('I gave my cat to a friend.'));
    expect(result.status).toBe('applied');
    expect(result.operations.map((op) => op.op)).toEqual(['ADD']);
    expect((await store.list()).map((m) => m.text)).toEqual(['Ana gave her cat to a friend']);
  });

  it('fails the turn with a clear reason, changing nothing, when the memories change again after the second decision', async () => {
    const store = new InMemoryStore();
    const id = await seed(store, 'Shared list: seed');
    let n = 0;
    const otherTab = async () => {
      const current = (await store.get(id))!.text;
      n += 1;
      await store.apply({ ops: [{ op: 'UPDATE', id, text: `${current}, A-${n}` }] });
    };
    const model = new ScriptedChatModel({
      replies: [
        facts('Shared list: B-1'),
        meanwhile(otherTab, append('Shared list', 'B-1')),
        meanwhile(otherTab, append('Shared list', 'B-1')),
      ],
    });
    const manager = new MemoryManager({ model, store });
    const result = await manager.processTurn(turn('Add B-1 to the list.'));
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ name: 'StaleMemoryError', code: 'memory-changed' });
    expect(result.error!.message).toMatch(/changed elsewhere twice .*nothing was remembered.*Retry/);
    expect((await store.get(id))!.text).toBe('Shared list: seed, A-1, A-2');
    expect(await store.findTurn('tab-b')).toBeUndefined();
    expect(await store.failures()).toMatchObject([
      { turnId: 'tab-b', stage: 'apply', code: 'memory-changed' },
    ]);

    model.push(facts('Shared list: B-1'), append('Shared list', 'B-1'));
    const [retried] = await manager.retryFailed();
    expect(retried!.status).toBe('applied');
    expect((await store.get(id))!.text).toBe('Shared list: seed, A-1, A-2, B-1');
    expect(await store.failures()).toEqual([]);
  });
});
