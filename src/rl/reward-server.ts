/**
 * The reward server: the rewards of rewards.ts over HTTP on loopback, so verl's Python reward function
 * (training/verl/reward_fn.py) scores with exactly the code the rollouts use. JSON in, JSON out:
 *
 * - `POST /reward` `{agent, completion, ground_truth, extra_info?}` → `{score, reason, answer?, operations?}`
 * - `POST /rewards` `{items: [<same as /reward>...]}` → `{results: [...]}` (one per item, in order)
 * - `GET /health` → `{ok: true, manager: <whether Memory Manager rewards are available>}`
 *
 * `agent` may be omitted when `extra_info.agent` is set. Bad requests get 400 with `{error: {code, message}}`; a
 * Memory Manager reward without a configured answer model gets 503. The server binds 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import { z } from 'zod';
import { AppError, toErrorData } from '../core/errors';
import type { ChatModel } from '../core/types';
import { Limiter } from '../node/limiter';
import { listenOnLoopback, readBody, sendJson } from '../node/local-http';
import { DATA_SOURCES, managerStateSchema, type RlAgent } from './dataset';
import { computeReward, type RewardRequest, type RewardResult } from './rewards';

/** Largest request body accepted (a batch of Memory Manager items carries their banks). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Most items in one `/rewards` batch. */
const MAX_BATCH = 4096;

/** Options of `startRewardServer`. */
export interface RewardServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Frozen Answer Agent model for Memory Manager rewards; without it those requests get 503. */
  answerModel?: ChatModel;
  /** Context window of the answer model. */
  contextWindow?: number;
  /** Memory Manager rewards computed at once (each calls the answer model). Default 8. */
  concurrency?: number;
}

/** A running reward server. */
export interface RewardServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A request the server cannot score (400), or cannot score with its configuration (503). */
class RequestError extends AppError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

const agentFromSource = (source: unknown): RlAgent | undefined =>
  (Object.keys(DATA_SOURCES) as RlAgent[]).find((agent) => DATA_SOURCES[agent] === source);

const itemSchema = z.object({
  agent: z.enum(['answer', 'manager']).optional(),
  data_source: z.string().optional(),
  completion: z.string(),
  ground_truth: z.union([z.string(), z.number()]).transform(String),
  extra_info: z
    .object({
      agent: z.enum(['answer', 'manager']).optional(),
      manager_state: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
    })
    .loose()
    .nullish(),
});

/** Turns a validated item into a reward request, or says what is wrong with it. */
function toRequest(item: z.infer<typeof itemSchema>): RewardRequest {
  const agent = item.agent ?? item.extra_info?.agent ?? agentFromSource(item.data_source);
  if (!agent) {
    throw new RequestError(400, 'agent-missing', 'Say which agent to score: "agent": "answer" or "manager".');
  }
  const request: RewardRequest = { agent, completion: item.completion, groundTruth: item.ground_truth };
  if (agent === 'manager') {
    const raw = item.extra_info?.manager_state;
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        throw new RequestError(400, 'manager-state-invalid', 'extra_info.manager_state is not valid JSON.');
      }
    }
    const state = managerStateSchema.safeParse(value);
    if (!state.success) {
      throw new RequestError(
        400,
        'manager-state-invalid',
        'A Memory Manager reward needs extra_info.manager_state from a row built by ' +
          '`npm run rl -- build-dataset --agent manager`.',
      );
    }
    request.managerState = state.data;
  }
  return request;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError(400, 'invalid-json', 'The request body is not valid JSON.');
  }
}

function validateItem(value: unknown, where: string): RewardRequest {
  const item = itemSchema.safeParse(value);
  if (!item.success) {
    const issue = item.error.issues[0];
    throw new RequestError(
      400,
      'invalid-request',
      `${where}: ${issue?.path.join('.') || 'body'} ${issue?.message}. ` +
        'Send {"agent", "completion", "ground_truth", "extra_info"}.',
    );
  }
  return toRequest(item.data);
}

/** Starts the reward server (see the module comment). */
export async function startRewardServer(opts: RewardServerOptions = {}): Promise<RewardServer> {
  const limiter = new Limiter(Math.max(1, opts.concurrency ?? 8));
  const score = (request: RewardRequest): Promise<RewardResult> => {
    if (request.agent === 'manager' && !opts.answerModel) {
      throw new RequestError(
        503,
        'answer-model-missing',
        'This server has no answer model, so it cannot score Memory Manager completions. Restart it with ' +
          '--answer-base-url URL --answer-model NAME.',
      );
    }
    if (request.agent === 'answer') return computeReward(request);
    return limiter.run(() =>
      computeReward(request, { answerModel: opts.answerModel, contextWindow: opts.contextWindow }),
    );
  };
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/health') {
        sendJson(res, 200, { ok: true, manager: opts.answerModel !== undefined });
        return;
      }
      if (req.method !== 'POST' || (path !== '/reward' && path !== '/rewards')) {
        throw new RequestError(
          404,
          'not-found',
          `No route for ${req.method ?? 'GET'} ${path}; use POST /reward.`,
        );
      }
      const body = parseJson(
        await readBody(req, {
          bytes: MAX_BODY_BYTES,
          error: () =>
            new RequestError(413, 'body-too-large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
        }),
      );
      if (path === '/reward') {
        sendJson(res, 200, await score(validateItem(body, 'request')));
        return;
      }
      const items = z.object({ items: z.array(z.unknown()).max(MAX_BATCH) }).safeParse(body);
      if (!items.success) {
        throw new RequestError(
          400,
          'invalid-request',
          `Send {"items": [...]} with at most ${MAX_BATCH} items.`,
        );
      }
      const requests = items.data.items.map((item, i) => validateItem(item, `items[${i}]`));
      sendJson(res, 200, { results: await Promise.all(requests.map(score)) });
    })().catch((err: unknown) => {
      const status = err instanceof RequestError ? err.status : 500;
      const { code, message } = toErrorData(err);
      if (!res.headersSent) sendJson(res, status, { error: { code, message } });
      else res.destroy();
    });
  });
  const port = await listenOnLoopback(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
