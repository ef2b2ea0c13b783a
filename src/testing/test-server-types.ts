/** The request and handler types of the OpenAI-compatible test server (openai-test-server.ts). */
/** One chat message as the server receives it (content may be a string or OpenAI content parts). */
export interface TestChatMessage {
  role: string;
  content: string;
}

/** The parts of a chat-completions request body the handlers look at; the full body is in `requests`. */
export interface TestChatRequest {
  model: string;
  messages: TestChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  /** `response_format.json_schema.name`, when the request asks for structured output. */
  schemaName?: string;
  /** `response_format.json_schema.schema`, when present. */
  schema?: unknown;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
}

/** Word counts standing in for token usage. */
export interface TestUsage {
  promptTokens: number;
  completionTokens: number;
}

/** What a handler tells the server to do with one chat request. A plain string means `{ kind: 'text', text }`. */
export type HandlerResult =
  | string
  | {
      kind: 'text';
      text: string;
      finishReason?: 'stop' | 'length';
      /** Overrides the word-count usage. */
      usage?: TestUsage;
      /** How a streamed reply is cut into chunks; default: one chunk per word (with its trailing space). */
      chunks?: string[];
      /**
       * Where a streamed reply reports usage: its own `choices: []` chunk (OpenAI), the `finish_reason` chunk
       * (llama.cpp), or nowhere. Default: own chunk when the request sets `stream_options.include_usage`, else the
       * finish chunk.
       */
      usagePlacement?: 'own-chunk' | 'finish-chunk' | 'none';
      /** Wait this long before answering (the status line is not sent until then). */
      delayMs?: number;
    }
  | {
      kind: 'error';
      status: number;
      /** Message for the OpenAI-style body `{"error": {"message", "type", "code"}}`. */
      message?: string;
      /** Raw body instead of the OpenAI-style one. */
      body?: string;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | {
      /** Streaming: sends `partialText` as chunks, then destroys the socket. Non-streaming: destroys it at once. */
      kind: 'disconnect';
      partialText?: string;
      delayMs?: number;
    }
  | {
      /** Sends `partialText` (streaming) or nothing, then keeps the connection open until the client leaves. */
      kind: 'hang';
      partialText?: string;
    }
  | {
      /**
       * Never finishes. Streaming: sends `partialText` as chunks, then an SSE comment (`: keep-alive`) every
       * `intervalMs` until the client leaves. Non-streaming: a 200 whose JSON body never completes (a space, which
       * JSON allows before a value, every `intervalMs`).
       */
      kind: 'keep-alive';
      partialText?: string;
      /** Default 1000. */
      intervalMs?: number;
    }
  | {
      /**
       * Ignores `max_tokens`. Streaming: sends `text`, then `filler` again and again (one chunk each) until the
       * client leaves. Non-streaming: `text` followed by `filler` repeated ten times `max_tokens` (default 1000).
       */
      kind: 'ignore-max-tokens';
      text?: string;
      /** Default `'and on '`. */
      filler?: string;
    }
  | {
      /** Non-streaming: a 200 with `raw` as the body. Streaming: one `data: <raw>` event, then `data: [DONE]`. */
      kind: 'malformed';
      raw?: string;
      delayMs?: number;
    };

/** Context passed to a handler: `index` counts chat requests served so far (0-based). */
export interface HandlerContext {
  index: number;
}

/** Decides the response to one chat request. */
export type Handler = (req: TestChatRequest, ctx: HandlerContext) => HandlerResult | Promise<HandlerResult>;
