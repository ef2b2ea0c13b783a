import { describe, expect, it } from 'vitest';
import { build, type Rolldown } from 'vite';

// TensorFlow.js and transformers.js are megabytes of code that belong in the memory worker, loaded when the chosen
// embedding model needs them. The page imports only the embedding catalog (Settings lists it), and the worker's
// `createEmbedder` imports each runtime dynamically. String literals found only in each runtime tell whether it
// was bundled into a given chunk.
const TFJS = 'tfjs-backend-wasm-simd.wasm';
const TRANSFORMERS = 'onnxruntime-web';

async function chunks(entry: string): Promise<Rolldown.OutputChunk[]> {
  const result = (await build({
    configFile: false,
    publicDir: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      rollupOptions: { input: new URL(entry, import.meta.url).pathname, preserveEntrySignatures: 'strict' },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  return (Array.isArray(result) ? result : [result])
    .flatMap((o) => o.output)
    .filter((c): c is Rolldown.OutputChunk => c.type === 'chunk');
}

describe('the embedding runtimes in bundles', () => {
  it('stay out of the embedding catalog the page imports', async () => {
    const code = (await chunks('../core/embedding-models.ts')).map((c) => c.code).join('\n');
    expect(code).toContain('Universal Sentence Encoder lite');
    expect(code).not.toContain(TFJS);
    expect(code).not.toContain(TRANSFORMERS);
    expect(code.length).toBeLessThan(8 * 1024);
  });

  it('load only through dynamic imports of the worker code that creates the embedder', async () => {
    const output = await chunks('../workers/role-models.ts');
    const entry = output.find((c) => c.isEntry)!;
    expect(entry.code).not.toContain(TFJS);
    expect(entry.code).not.toContain(TRANSFORMERS);
    const lazy = output.filter((c) => !c.isEntry).map((c) => c.code);
    expect(lazy.some((code) => code.includes(TFJS))).toBe(true);
    expect(lazy.some((code) => code.includes(TRANSFORMERS))).toBe(true);
  });
});
