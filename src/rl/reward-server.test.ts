// The reward server over real HTTP on loopback: single and batch scoring, agent inference, and clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import type { ManagerState } from './dataset';
import { startRewardServer, type RewardServer } from './reward-server';

let withModel: RewardServer;
let answerOnly: RewardServer;

const state: ManagerState = {
  conversationId: 'c',
  turnId: 'c/D1:2',
  speaker: 'Chen',
  turnTime: 0,
  question: 'What did Chen open?',
  questionTime: 0,
  facts: ['Chen opened a bakery.'],
  bank: [{ id: 'm0', text: 'Chen likes bread.', speaker: 'Chen' }],
  aliases: ['m0'],
};

beforeAll(async () => {
  const answerModel = new ScriptedChatModel({
    respond: (req) =>
      /bakery/.test(req.messages.at(-1)!.content) ? '**Answer:** a bakery' : '**Answer:** no idea',
  });
  withModel = await startRewardServer({ answerModel });
  answerOnly = await startRewardServer();
});
afterAll(async () => {
  await withModel.close();
  await answerOnly.close();
});

async function post(
  server: RewardServer,
  path: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('reward server', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(withModel.url).hostname).toBe('127.0.0.1');
  });

  it('scores an Answer Agent completion', async () => {
    const r = await post(answerOnly, '/reward', {
      agent: 'answer',
      completion: 'Memories used: none\n**Answer:** A bakery!',
      ground_truth: 'a bakery',
    });
    expect(r).toEqual({ status: 200, json: { score: 1, reason: 'exact-match', answer: 'A bakery!' } });
  });

  it('infers the agent from data_source and accepts a numeric ground truth', async () => {
    const r = await post(answerOnly, '/reward', {
      data_source: 'locomo/memory-r1-answer',
      completion: '**Answer:** 2022',
      ground_truth: 2022,
    });
    expect(r.json).toMatchObject({ score: 1 });
  });

  it('scores a batch in order, Memory Manager items with their JSON-text state', async () => {
    const r = await post(withModel, '/rewards', {
      items: [
        {
          agent: 'manager',
          completion: '{"operations": [{"op": "ADD", "id": null, "text": "Chen opened a bakery."}]}',
          ground_truth: 'a bakery',
          extra_info: { agent: 'manager', manager_state: JSON.stringify(state) },
        },
        {
          agent: 'manager',
          completion: 'no json',
          ground_truth: 'a bakery',
          extra_info: { manager_state: state },
        },
        { agent: 'answer', completion: 'a bakery', ground_truth: 'a bakery' },
      ],
    });
    expect(r.status).toBe(200);
    expect(
      (r.json as { results: { score: number; reason: string }[] }).results.map((x) => [x.score, x.reason]),
    ).toEqual([
      [1, 'exact-match'],
      [0, 'no-json'],
      [0, 'missing-marker'],
    ]);
  });

  it('answers 503 with what to do when Memory Manager rewards have no answer model', async () => {
    const r = await post(answerOnly, '/reward', {
      agent: 'manager',
      completion: '{}',
      ground_truth: 'x',
      extra_info: { manager_state: state },
    });
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ error: { code: 'answer-model-missing' } });
    expect(JSON.stringify(r.json)).toContain('--answer-base-url');
  });

  it.each([
    ['invalid JSON', '{', 'invalid-json'],
    ['a missing completion', { agent: 'answer', ground_truth: 'x' }, 'invalid-request'],
    ['an unknown agent', { completion: 'x', ground_truth: 'x' }, 'agent-missing'],
    [
      'a manager item without its state',
      { agent: 'manager', completion: '{}', ground_truth: 'x' },
      'manager-state-invalid',
    ],
  ])('answers 400 to %s', async (_name, body, code) => {
    const r = await post(withModel, '/reward', body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { code } });
  });

  it('reports its health and whether Memory Manager rewards are available', async () => {
    expect(await (await fetch(`${withModel.url}/health`)).json()).toEqual({ ok: true, manager: true });
    expect(await (await fetch(`${answerOnly.url}/health`)).json()).toEqual({ ok: true, manager: false });
  });
});
