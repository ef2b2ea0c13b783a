/**
 * Errors of OpenAI-compatible HTTP servers (the llm layer's first family; see errors.ts): no server, a bad URL, an
 * error status with advice for its kind, a silent or broken stream, a reply that is not a chat completion. Each has a
 * stable `code` and a message saying what the user can do about it.
 */
import { AppError } from '../core/errors';

/** No server answered at the URL (connection refused, unknown host, reset before any reply, or blocked by CORS). */
export class ServerUnreachableError extends AppError {
  readonly url: string;
  constructor(url: string, options?: { cause?: unknown }) {
    super(
      'server-unreachable',
      `No server answered at ${url}. Start your local server (llama.cpp: \`llama-server -m model.gguf --port 8080\`, ` +
        'Ollama: `ollama serve`) or check the Server URL in Settings. If it is running, it may refuse requests ' +
        "from this page's origin (Ollama: set OLLAMA_ORIGINS).",
      options,
    );
    this.url = url;
  }
}

/** The Server URL in Settings is not an http(s) URL. */
export class ServerUrlError extends AppError {
  constructor(input: string) {
    super(
      'server-url-invalid',
      `"${input}" is not a server URL. Enter the address of your local server, for example http://127.0.0.1:8080 ` +
        '(llama.cpp) or http://localhost:11434/v1 (Ollama).',
    );
  }
}

/** What an HTTP error status means for the user; selects the code and the advice of `ServerHttpError`. */
export type ServerHttpErrorKind =
  | 'unauthorized'
  | 'model-not-found'
  | 'not-found'
  | 'schema-unsupported'
  | 'rate-limited'
  | 'server-failed'
  | 'rejected';

/** The server answered with an error status; `kind` says which, the message what to do. */
export class ServerHttpError extends AppError {
  readonly status: number;
  readonly url: string;
  readonly kind: ServerHttpErrorKind;
  /** The start of the response body (at most 500 characters), as the server sent it. */
  readonly bodyExcerpt: string;
  /** How long the server asked the client to wait (`Retry-After`), when it said. */
  readonly retryAfterMs?: number;
  constructor(args: {
    status: number;
    url: string;
    body: string;
    model: string;
    schemaRequested: boolean;
    retryAfterMs?: number;
  }) {
    const excerpt = excerptOf(args.body);
    const kind = classify(args.status, excerpt, args.schemaRequested);
    super(`server-${kind}`, `${adviceFor(kind, args)} (HTTP ${args.status}${excerpt ? `: ${excerpt}` : ''})`);
    this.status = args.status;
    this.url = args.url;
    this.kind = kind;
    this.bodyExcerpt = excerpt;
    this.retryAfterMs = args.retryAfterMs;
  }
}

/** The model sent nothing for `timeoutMs` (no reply, or a stream that stalled). */
export class ModelTimeoutError extends AppError {
  readonly url: string;
  readonly timeoutMs: number;
  constructor(url: string, timeoutMs: number) {
    super(
      'model-timeout',
      `The model at ${url} sent nothing for ${formatSeconds(timeoutMs)}. The server may be busy or the model too ` +
        'large for this machine: wait and retry, choose a smaller model, or raise the timeout.',
    );
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/** A streamed reply broke off before it finished; `partialText` holds what had arrived. */
export class StreamInterruptedError extends AppError {
  readonly url: string;
  readonly partialText: string;
  constructor(url: string, partialText: string, options?: { cause?: unknown }) {
    super(
      'stream-interrupted',
      `The reply from ${url} broke off after ${partialText.length} characters (the server closed the connection or ` +
        'stopped). Check that the server is still running, then try again.',
      options,
    );
    this.url = url;
    this.partialText = partialText;
  }
}

/** The server answered 200 with something that is not an OpenAI chat completion (bad JSON or wrong shape). */
export class ServerResponseError extends AppError {
  readonly url: string;
  /** The start of the offending response (at most 500 characters). */
  readonly bodyExcerpt: string;
  constructor(url: string, detail: string, body: string, options?: { cause?: unknown }) {
    super(
      'server-bad-response',
      `The server at ${url} did not answer like an OpenAI-compatible chat server (${detail}). Check that the Server ` +
        'URL in Settings points at its OpenAI-compatible API (for example http://127.0.0.1:8080/v1).',
      options,
    );
    this.url = url;
    this.bodyExcerpt = excerptOf(body);
  }
}

const EXCERPT_CHARS = 500;

function excerptOf(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

function classify(status: number, body: string, schemaRequested: boolean): ServerHttpErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return /model/i.test(body) ? 'model-not-found' : 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server-failed';
  if (schemaRequested && /response_format|json_schema|schema|grammar/i.test(body))
    return 'schema-unsupported';
  return 'rejected';
}

function adviceFor(kind: ServerHttpErrorKind, args: { url: string; model: string; status: number }): string {
  switch (kind) {
    case 'unauthorized':
      return `The server at ${args.url} refused the API key. Enter the right key in Settings (local servers usually need none).`;
    case 'model-not-found':
      return (
        `The server at ${args.url} has no model named "${args.model}". Choose one of the models it lists in Settings, ` +
        `or load it first (Ollama: \`ollama pull ${args.model}\`).`
      );
    case 'not-found':
      return `Nothing answers chat requests at ${args.url}. Check the Server URL in Settings (it should end in /v1, e.g. http://127.0.0.1:8080/v1).`;
    case 'schema-unsupported':
      return (
        `The server at ${args.url} does not support structured output (response_format json_schema), which the ` +
        'memory needs. Update it (llama.cpp server, Ollama 0.5+ and vLLM support it) or use another server.'
      );
    case 'rate-limited':
      return `The server at ${args.url} is busy and asked to slow down. Wait a moment and try again.`;
    case 'server-failed':
      return (
        `The server at ${args.url} failed while answering. Check its console for the cause (model not loaded, out of ` +
        'memory, context too long) and try again.'
      );
    case 'rejected':
      return `The server at ${args.url} rejected the request. Check the model and its settings in Settings.`;
  }
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
