/**
 * A local OpenAI-compatible chat server for tests (Node `http`, no framework, binds 127.0.0.1). Core, eval, RL and
 * end-to-end tests talk to it instead of a real LLM: it records every request, lets a test script each response
 * (text, error status, delay, mid-stream disconnect, a hanging stream, a stream kept alive forever, a reply that
 * ignores `max_tokens`, malformed JSON), and by default answers the three Memory-R1 prompts deterministically so a
 * whole memory pipeline works without a model.
 *
 * ## API (stable)
 * ```ts
 * const server = await startTestServer();            // port 0 (random) unless `port` is given
 * server.baseUrl;                                     // 'http://127.0.0.1:PORT/v1'
 * server.setHandler((req) => 'Hello');                // a string is shorthand for { kind: 'text', text }
 * server.setHandler(sequence({ kind: 'error', status: 503 }, 'ok')); // one result per request, then the default
 * server.requests;                                    // every request, oldest first (method, path, headers, body)
 * await server.requests[0].ended;                     // 'sent' (whole response went out) or 'cut' (client left)
 * await server.close();
 * ```
 * Endpoints: `POST /v1/chat/completions` (non-streaming, and streaming as SSE `data: {...}` chunks in OpenAI's
 * format ending with `data: [DONE]`) and `GET /v1/models` (one model, `test-model`, unless `models` is given).
 * Usage counts are whitespace-separated words (not real tokens): `prompt_tokens` over all message contents,
 * `completion_tokens` over the reply. A streamed reply carries usage in a final `choices: []` chunk when the request
 * sets `stream_options.include_usage` (OpenAI's behaviour), otherwise in the chunk with `finish_reason` (llama.cpp).
 *
 * ## Default handler (`defaultHandler`)
 * Picks its behaviour from `response_format.json_schema.name` and reads its input from the LAST user message:
 * - `memory_facts` -> `{"facts": [...]}`. The turn text is, in order of preference: the `turn` string of a JSON
 *   object `{"turn": "...", "speaker": "..."}` in the message; else the rest of the last line starting `Turn:`
 *   (speaker from a line starting `Speaker:`); else the whole message. It is split into sentences; questions
 *   (ending `?`) and sentences under 3 words are dropped; with a speaker each fact reads `Speaker: sentence`.
 * - `memory_operations` -> `{"operations": [...]}` in the strict form (every op has `op`, `id`, `text`; absent
 *   values are `null`). Input: the last JSON object in the message shaped
 *   `{"facts": ["..."], "memories": [{"id": "0", "text": "..."}]}`. Per fact, in order: NOOP (with the memory's
 *   id) when a memory has the same text ignoring case and surrounding space; UPDATE (memory id, the fact as the
 *   new text) when a memory shares the fact's first 3 words (case-insensitive, punctuation ignored) and no earlier
 *   fact updated it; otherwise ADD. A fact repeated within the turn is skipped.
 * - no schema (plain chat) -> a memory-distillation answer. Input: the last JSON object shaped
 *   `{"memories": [{"id": "0", "text": "..."}], "question": "..."}`. Memories are ranked by the number of content
 *   words (stemmed, stop words removed) they share with the question; those sharing at least one (best first, at
 *   most 3) are listed and the best one is the answer:
 *   `Memories used:\n- <text>\n- <text>\n**Answer:** <text of best memory>`; with none:
 *   `Memories used:\n**Answer:** I don't know.`
 * - any other schema name -> `{}`.
 *
 * Every response allows any origin (CORS), and `OPTIONS` preflights are answered with 204 and not recorded, so a
 * page served from another port can call the server as it calls llama.cpp.
 *
 * ## CLI (for Playwright's webServer)
 * `node --import tsx src/testing/openai-test-server.ts --port 8787` prints the base URL and serves until killed;
 * wait for `http://127.0.0.1:8787/v1/models` to know it is up.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { listenOnLoopback, readBody, sendJson } from '../node/local-http';
import { defaultHandler } from './fake-memory-r1-model';
import { respond, sendError } from './test-server-responses';
import type { Handler, HandlerResult, TestChatRequest } from './test-server-types';

/** One request as received, for assertions. `body` is the parsed JSON (or the raw text when it was not JSON). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /**
   * Settles when the connection of this request is done: `sent` once the whole response went out, `cut` when the
   * connection closed first (the client aborted or left, or a `disconnect`/`hang` result was cut off).
   */
  ended: Promise<'sent' | 'cut'>;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  port: number;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** Replaces the chat handler (pass `defaultHandler` to restore the default). */
  setHandler(handler: Handler): void;
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
}

/** Options of `startTestServer`; defaults: port 0 (random), `defaultHandler`, models `['test-model']`. */
export interface TestServerOptions {
  port?: number;
  handler?: Handler;
  models?: string[];
}

const contentPartSchema = z.object({ type: z.string(), text: z.string().optional() });
const requestSchema = z.object({
  model: z.string().default('test-model'),
  messages: z.array(
    z.object({
      role: z.string(),
      content: z
        .union([z.string(), z.null(), z.array(contentPartSchema)])
        .transform((c) =>
          c === null ? '' : typeof c === 'string' ? c : c.map((p) => p.text ?? '').join(''),
        ),
    }),
  ),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  response_format: z
    .object({
      type: z.string(),
      json_schema: z.object({ name: z.string(), schema: z.unknown().optional() }).optional(),
    })
    .nullish(),
  max_tokens: z.number().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  seed: z.number().nullish(),
});

/**
 * Starts a test server on 127.0.0.1.
 * @example const server = await startTestServer(); // server.baseUrl === 'http://127.0.0.1:40123/v1'
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  let handler: Handler = opts.handler ?? defaultHandler;
  const models = opts.models ?? ['test-model'];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let chatIndex = 0;

  const server = createServer((req, res) => {
    // The app under test runs on another origin (Vite's port), so the browser needs CORS like llama.cpp sends.
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type, authorization, accept',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    void (async () => {
      const ended = new Promise<'sent' | 'cut'>((resolve) => {
        res.once('finish', () => resolve('sent'));
        res.once('close', () => resolve(res.writableFinished ? 'sent' : 'cut'));
      });
      const rawBody = await readBody(req);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body: parseJsonOr(rawBody),
        ended,
      });

      if (req.method === 'GET' && path === '/v1/models') {
        sendJson(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'test-server' })),
        });
        return;
      }
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        sendError(res, 404, `No route for ${req.method ?? 'GET'} ${path}.`);
        return;
      }
      const parsed = requestSchema.safeParse(parseJsonOr(rawBody));
      if (!parsed.success) {
        sendError(res, 400, `Invalid chat-completions request: ${z.prettifyError(parsed.error)}`);
        return;
      }
      const body = parsed.data;
      const chatReq: TestChatRequest = {
        model: body.model,
        messages: body.messages,
        stream: body.stream ?? false,
        includeUsage: body.stream_options?.include_usage ?? false,
        schemaName: body.response_format?.json_schema?.name,
        schema: body.response_format?.json_schema?.schema,
        maxTokens: body.max_tokens ?? undefined,
        temperature: body.temperature ?? undefined,
        topP: body.top_p ?? undefined,
        seed: body.seed ?? undefined,
      };
      const result = await handler(chatReq, { index: chatIndex++ });
      await respond(res, chatReq, typeof result === 'string' ? { kind: 'text', text: result } : result);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `Test server handler failed: ${String(err)}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const port = await listenOnLoopback(server, opts.port);

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    setHandler(h) {
      handler = h;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/**
 * A handler that returns the given results one per chat request, in order, then defers to `defaultHandler`.
 * @example server.setHandler(sequence({ kind: 'error', status: 503 }, 'second answer'));
 */
export function sequence(...results: (HandlerResult | Handler)[]): Handler {
  let next = 0;
  return (req, ctx) => {
    const r = results[next++];
    if (r === undefined) return defaultHandler(req, ctx);
    return typeof r === 'function' ? r(req, ctx) : r;
  };
}

function parseJsonOr(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8787' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535, got "${values.port}".`);
    process.exit(2);
  }
  const server = await startTestServer({ port });
  console.log(server.baseUrl);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
