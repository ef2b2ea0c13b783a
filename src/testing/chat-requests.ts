/** Raw chat-completions requests to the test server, for the tests of the server and of its default handler. */
import type { TestServer } from './openai-test-server';

/** A function that POSTs a JSON body to the server's `/chat/completions` (the server is read at call time). */
export function chatPoster(server: Pick<TestServer, 'baseUrl'>): (body: unknown) => Promise<Response> {
  return (body) =>
    fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
}

/** A request asking for structured output under the schema name `name`, with `content` as the user message. */
export function schemaRequest(name: string, content: string): unknown {
  return {
    model: 'test-model',
    messages: [
      { role: 'system', content: 'You are a memory manager.' },
      { role: 'user', content },
    ],
    response_format: { type: 'json_schema', json_schema: { name, schema: { type: 'object' }, strict: true } },
  };
}

/** The message content of a non-streaming chat-completions response. */
export async function contentOf(res: Response): Promise<string> {
  const json = (await res.json()) as { choices: { message: { content: string } }[] };
  return json.choices[0]?.message.content ?? '';
}
