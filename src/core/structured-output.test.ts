// Extraction and validation of JSON from model text, and the one-repair-then-fail protocol.
import { describe, expect, it } from 'vitest';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import { AppError, ModelOutputError } from './errors';
import { MEMORY_FACTS, MEMORY_OPERATIONS } from './schemas';
import { completeStructured, extractJson, parseStructured } from './structured-output';

describe('extractJson', () => {
  it.each([
    ['plain JSON', '{"facts": ["a"]}', { facts: ['a'] }],
    ['a ```json fence', '```json\n{"facts": ["a"]}\n```', { facts: ['a'] }],
    ['a bare ``` fence with prose', 'Sure:\n```\n{"facts": ["a"]}\n```\nAnything else?', { facts: ['a'] }],
    ['prose around JSON', 'Here you go: {"facts": ["a", "b"]} Hope it helps!', { facts: ['a', 'b'] }],
    ['a trailing comma in a list', '{"facts": ["a", "b",]}', { facts: ['a', 'b'] }],
    ['a trailing comma in an object', '{"facts": ["a"],\n}', { facts: ['a'] }],
    ['typographic quotes as delimiters', '{\u201cfacts\u201d: [\u201ca\u201d]}', { facts: ['a'] }],
    [
      'typographic quotes inside a string',
      '{"facts": ["She said \u201chi\u201d"]}',
      { facts: ['She said \u201chi\u201d'] },
    ],
    ['a raw newline inside a string', 'x {"facts": ["line 1\nline 2"]}', { facts: ['line 1\nline 2'] }],
    ['a byte-order mark', '\uFEFF{"facts": []}', { facts: [] }],
  ])('reads %s', (_label, text, expected) => {
    const r = extractJson(text);
    expect(r.ok && r.values[0]).toEqual(expected);
  });

  it('reports truncated JSON instead of completing it', () => {
    expect(extractJson('{"facts": ["Caroline went to')).toEqual({
      ok: false,
      error: expect.stringContaining('cut off'),
    });
  });

  it('reports an empty reply and a reply without JSON', () => {
    expect(extractJson('  ')).toEqual({ ok: false, error: 'The reply was empty.' });
    expect(extractJson('I cannot do that.')).toEqual({
      ok: false,
      error: expect.stringContaining('no valid JSON'),
    });
  });

  it('skips bracketed prose before the JSON', () => {
    const r = extractJson('[note] the result is {"facts": ["a"]}');
    expect(r.ok && r.values).toEqual([{ facts: ['a'] }]);
  });
});

describe('parseStructured', () => {
  it('accepts missing or null id/text and normalizes op case and numeric ids', () => {
    const r = parseStructured(
      '{"operations": [{"op": "add", "text": "x"}, {"op": "NOOP", "id": 2, "text": null}]}',
      MEMORY_OPERATIONS,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        operations: [
          { op: 'ADD', text: 'x' },
          { op: 'NOOP', id: '2', text: null },
        ],
      },
    });
  });

  it('accepts a bare facts array', () => {
    expect(parseStructured('["a", "b"]', MEMORY_FACTS)).toEqual({ ok: true, value: { facts: ['a', 'b'] } });
  });

  it('explains wrong types with the path of the bad field', () => {
    const r = parseStructured('{"operations": [{"op": "ADD", "text": 5}]}', MEMORY_OPERATIONS);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/operations\.0\.text/);
  });

  it('picks the JSON value that matches the schema when prose contains several', () => {
    const r = parseStructured('Example: {"x": 1}. Result: {"facts": ["a"]}', MEMORY_FACTS);
    expect(r).toEqual({ ok: true, value: { facts: ['a'] } });
  });
});

describe('completeStructured', () => {
  const messages = [{ role: 'user' as const, content: 'extract' }];

  it('sends the strict JSON schema under the output name', async () => {
    const model = new ScriptedChatModel({ replies: ['{"facts": []}'] });
    await completeStructured(model, messages, MEMORY_FACTS, { maxTokens: 100, temperature: 0 });
    expect(model.requests[0]).toMatchObject({
      schema: { name: 'memory_facts', schema: MEMORY_FACTS.jsonSchema },
      maxTokens: 100,
      temperature: 0,
    });
  });

  it('repairs once with the bad output and the validation error', async () => {
    const model = new ScriptedChatModel({ replies: ['{"facts": "a"}', '{"facts": ["a"]}'] });
    const r = await completeStructured(model, messages, MEMORY_FACTS);
    expect(r).toEqual({ value: { facts: ['a'] }, raw: '{"facts": ["a"]}', repaired: true });
    const repair = model.requests[1]!.messages;
    expect(repair.slice(0, 1)).toEqual(messages);
    expect(repair[1]).toEqual({ role: 'assistant', content: '{"facts": "a"}' });
    expect(repair[2]!.content).toMatch(/facts: Invalid input: expected array/);
  });

  it('mentions the length limit when the first reply was cut off', async () => {
    const model = new ScriptedChatModel({
      replies: [{ text: '{"facts": ["a', finishReason: 'length' }, '{"facts": ["a"]}'],
    });
    await completeStructured(model, messages, MEMORY_FACTS);
    expect(model.requests[1]!.messages.at(-1)!.content).toMatch(/cut off by the length limit/);
  });

  it('throws ModelOutputError with both raw replies after a failed repair, never an empty list', async () => {
    const model = new ScriptedChatModel({ replies: ['nope', '{"facts": [1]}'] });
    const err = await completeStructured(model, messages, MEMORY_FACTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelOutputError);
    expect((err as ModelOutputError).rawOutput).toBe('nope\n--- repair attempt ---\n{"facts": [1]}');
    expect((err as ModelOutputError).message).toMatch(/Retry the turn/);
  });

  it('lets model errors through unchanged', async () => {
    const down = new AppError('server-unreachable', 'No server.');
    const model = new ScriptedChatModel({ replies: [down] });
    await expect(completeStructured(model, messages, MEMORY_FACTS)).rejects.toBe(down);
  });

  it('rejects with AbortError before calling the model when already aborted', async () => {
    const model = new ScriptedChatModel({ replies: ['{"facts": []}'] });
    const controller = new AbortController();
    controller.abort();
    await expect(
      completeStructured(model, messages, MEMORY_FACTS, { signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(model.requests).toHaveLength(0);
  });
});
