/**
 * How the OpenAI-compatible test server writes a handler's result: a JSON completion, an SSE stream chunk by
 * chunk with usage where OpenAI or llama.cpp put it, an HTTP error, or an injected fault (a stream cut mid-way,
 * a stall, a dropped connection).
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../node/local-http';
import { countWords } from './fake-memory-r1-model';
import type { HandlerResult, TestChatRequest, TestUsage } from './test-server-types';

/** A handler result with the string shorthand resolved. */
export type ResolvedResult = Exclude<HandlerResult, string>;

/** Writes the response a handler result asks for (JSON, SSE stream, error or fault). */
export async function respond(
  res: ServerResponse,
  req: TestChatRequest,
  result: ResolvedResult,
): Promise<void> {
  if ('delayMs' in result && result.delayMs !== undefined && result.delayMs > 0) {
    const stillThere = await sleepUnlessClosed(res, result.delayMs);
    if (!stillThere) return;
  }
  switch (result.kind) {
    case 'error':
      if (result.body !== undefined) {
        res.writeHead(result.status, { 'content-type': 'text/plain', ...result.headers });
        res.end(result.body);
      } else {
        sendError(res, result.status, result.message ?? `Scripted error ${result.status}.`, result.headers);
      }
      return;
    case 'malformed': {
      const raw = result.raw ?? '{"choices": [{"message": {"content": "unterminated';
      if (req.stream) {
        startSse(res);
        res.write(`data: ${raw}\n\n`);
        res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(raw);
      }
      return;
    }
    case 'disconnect':
    case 'hang': {
      if (req.stream) {
        const stream = new ChunkWriter(res, req);
        startSse(res);
        stream.role();
        for (const piece of splitWords(result.partialText ?? '')) stream.content(piece);
      }
      if (result.kind === 'disconnect') {
        // Cut the connection a moment after the partial text is flushed: when the bytes and the close arrive
        // together, Chromium reports the broken chunked body and drops the bytes of that same read, so the client
        // would never see the partial text a real server crash leaves behind.
        if (res.headersSent) res.write('', () => setTimeout(() => res.destroy(), CUT_DELAY_MS));
        else res.destroy();
      }
      return;
    }
    case 'keep-alive': {
      if (req.stream) {
        const stream = new ChunkWriter(res, req);
        startSse(res);
        stream.role();
        for (const piece of splitWords(result.partialText ?? '')) stream.content(piece);
      } else res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(
        () => res.write(req.stream ? ': keep-alive\n\n' : ' '),
        result.intervalMs ?? 1000,
      );
      res.once('close', () => clearInterval(timer));
      return;
    }
    case 'ignore-max-tokens': {
      const text = result.text ?? '';
      const filler = result.filler ?? 'and on ';
      if (!req.stream) {
        await respond(res, req, { kind: 'text', text: text + filler.repeat(10 * (req.maxTokens ?? 1000)) });
        return;
      }
      const stream = new ChunkWriter(res, req);
      startSse(res);
      stream.role();
      for (const piece of splitWords(text)) stream.content(piece);
      // Endless, at the pace the client reads: wait for the socket to drain, and stop once the client has left.
      while (!res.destroyed) {
        if (stream.content(filler)) await new Promise((resolve) => setImmediate(resolve));
        else await drained(res);
      }
      return;
    }
    case 'text': {
      const usage = result.usage ?? {
        promptTokens: countWords(req.messages.map((m) => m.content).join(' ')),
        completionTokens: countWords(result.text),
      };
      const finishReason = result.finishReason ?? 'stop';
      if (!req.stream) {
        sendJson(res, 200, {
          id: 'chatcmpl-test',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: req.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: result.text },
              logprobs: null,
              finish_reason: finishReason,
            },
          ],
          usage: usageJson(usage),
        });
        return;
      }
      const stream = new ChunkWriter(res, req);
      startSse(res);
      stream.role();
      for (const piece of result.chunks ?? splitWords(result.text)) stream.content(piece);
      const placement = result.usagePlacement ?? (req.includeUsage ? 'own-chunk' : 'finish-chunk');
      stream.finish(finishReason, placement === 'finish-chunk' ? usage : undefined);
      if (placement === 'own-chunk') stream.usage(usage);
      res.end('data: [DONE]\n\n');
      return;
    }
  }
}

/** Writes `chat.completion.chunk` events in OpenAI's format. */
/** How long a `disconnect` result waits after flushing its partial text before cutting the connection. */
const CUT_DELAY_MS = 250;

class ChunkWriter {
  private readonly created = Math.floor(Date.now() / 1000);
  constructor(
    private readonly res: ServerResponse,
    private readonly req: TestChatRequest,
  ) {}

  role(): void {
    this.write([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
    ]);
  }

  /** Writes one content chunk; false when the socket's buffer is full (wait for `drain`). */
  content(text: string): boolean {
    return this.write([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]);
  }

  finish(reason: string, usage: TestUsage | undefined): void {
    this.write([{ index: 0, delta: {}, logprobs: null, finish_reason: reason }], usage);
  }

  usage(usage: TestUsage): void {
    this.write([], usage);
  }

  private write(choices: unknown[], usage?: TestUsage): boolean {
    const chunk = {
      id: 'chatcmpl-test',
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.req.model,
      choices,
      ...(usage ? { usage: usageJson(usage) } : {}),
    };
    return this.res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
}

function usageJson(u: TestUsage): Record<string, number> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
}

/** Sends an OpenAI-style JSON error. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers?: Record<string, string>,
): void {
  sendJson(res, status, { error: { message, type: 'test_server_error', code: status } }, headers);
}

/** Resolves once `res` can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Resolves true after `ms`, or false as soon as the client goes away (so no timer outlives a test). */
function sleepUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    res.once('close', onClose);
  });
}

function splitWords(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
}
