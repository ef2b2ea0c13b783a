/**
 * Vitest fixtures shared by Node tests: a temporary directory per test file and the OpenAI-compatible test server,
 * each set up in `beforeAll` and removed in `afterAll`. Call them at a test file's top level.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startTestServer, type TestServer } from './openai-test-server';
import { defaultHandler } from './fake-memory-r1-model';

/** A temporary directory made before the file's tests and deleted after them; the getter returns its path. */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined)
      throw new Error('The temporary directory exists only inside tests (after beforeAll).');
    return dir;
  };
}

/**
 * The test server, started before the file's tests and closed after them; before each test its handler is reset
 * to `defaultHandler` and its recorded requests are cleared. The returned object forwards to the running server.
 */
export function useTestServer(): TestServer {
  let live: TestServer | undefined;
  const current = (): TestServer => {
    if (!live) throw new Error('The test server runs only inside tests (after beforeAll).');
    return live;
  };
  beforeAll(async () => {
    live = await startTestServer();
  });
  afterAll(() => live?.close());
  beforeEach(() => {
    current().setHandler(defaultHandler);
    current().requests.length = 0;
  });
  return {
    get baseUrl() {
      return current().baseUrl;
    },
    get port() {
      return current().port;
    },
    get requests() {
      return current().requests;
    },
    setHandler: (handler) => current().setHandler(handler),
    close: () => current().close(),
  };
}
