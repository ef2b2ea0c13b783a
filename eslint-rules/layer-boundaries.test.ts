// The layer rule is live: a deliberate violation in a source file fails the lint with the rule's message, an
// allowed import passes, and the runtime-neutral eval modules a worker reaches may not pull in Node-only code.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

/** The messages of the layer rule for `code` linted as if it were the file `path`. */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'layers/boundaries').map((m) => m.message);
}

describe('layers/boundaries', () => {
  it('fails a core module that imports the store', async () => {
    const errors = await layerErrors(
      'src/core/violation.ts',
      "import { InMemoryStore } from '../store/in-memory-store';\nexport const store = new InMemoryStore();\n",
    );
    expect(errors).toEqual([
      expect.stringMatching(/^src\/core may not import src\/store .*core may import only core/),
    ]);
  });

  it('fails the page importing llm code, IndexedDB or WebLLM', async () => {
    const errors = await layerErrors(
      'src/app/violation.ts',
      "export const a = import('../llm/catalog');\nexport { openDB } from 'idb';\nexport type { AppConfig } from '@mlc-ai/web-llm';\n",
    );
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/src\/app may not import src\/llm/);
    expect(errors[1]).toMatch(/may not import 'idb'/);
  });

  it('passes imports the map allows', async () => {
    expect(
      await layerErrors(
        'src/workers/allowed.ts',
        "export { MemoryManager } from '../core/memory-manager';\nexport { runLocomoBenchmark } from '../eval/benchmark-run';\n",
      ),
    ).toEqual([]);
  });

  it('lets a worker reach only the runtime-neutral eval modules, and keeps Node out of them', async () => {
    expect(
      await layerErrors('src/workers/x.ts', "export { runLocomo } from '../eval/locomo-runner';\n"),
    ).toEqual([expect.stringMatching(/only benchmark-run, errors, loaders\/locomo-format/)]);
    expect(
      await layerErrors('src/eval/metrics.ts', "export { readFile } from 'node:fs/promises';\n"),
    ).toEqual([expect.stringMatching(/runtime-neutral/)]);
  });
});
