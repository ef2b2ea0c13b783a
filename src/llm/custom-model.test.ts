import { describe, expect, it } from 'vitest';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import {
  checkCustomModelFiles,
  customModelFieldErrors,
  parseCustomModel,
  toModelRecord,
  withCustomModels,
} from './custom-model';
import { isAllowedModelUrl } from '../core/custom-model-schema';
import { CustomModelError } from './errors';

const good = {
  id: 'Memory-R1-Manager-3B-q4f16_1-MLC',
  modelUrl: 'https://huggingface.co/me/memory-r1-manager-MLC',
  modelLibUrl: 'https://example.org/libs/Qwen2.5-3B-Instruct-q4f16_1-webgpu.wasm',
  contextWindow: 4096,
  vramMB: 2500,
  requiredFeatures: ['shader-f16'],
};

/** A fetch over an in-memory file map, answering 404 for anything else. */
function fakeFetch(files: Record<string, unknown>): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!(url in files)) return new Response('not found', { status: 404 });
    const body = files[url];
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status: 200 });
  }) as typeof fetch;
}

const base = 'https://huggingface.co/me/memory-r1-manager-MLC/resolve/main/';
const config = { tokenizer_files: ['tokenizer.json'], context_window_size: 4096, conv_template: {} };
const tensors = {
  records: [
    { dataPath: 'params_shard_0.bin', nbytes: 1000 },
    { dataPath: 'params_shard_1.bin', nbytes: 24 },
  ],
};

describe('custom model records', () => {
  it('accepts https and localhost URLs only', () => {
    expect(isAllowedModelUrl('https://x.org/m')).toBe(true);
    expect(isAllowedModelUrl('http://localhost:8000/m')).toBe(true);
    expect(isAllowedModelUrl('http://127.0.0.1:8000/m')).toBe(true);
    expect(isAllowedModelUrl('http://example.org/m')).toBe(false);
    expect(isAllowedModelUrl('file:///tmp/m')).toBe(false);
    expect(isAllowedModelUrl('not a url')).toBe(false);
  });

  it('names every invalid field in one actionable message', () => {
    const run = () =>
      parseCustomModel({
        ...good,
        id: ' bad id!',
        modelUrl: 'http://example.org/m',
        modelLibUrl: 'https://x.org/lib.js',
      });
    expect(run).toThrow(CustomModelError);
    expect(run).toThrow(
      /id must be.*modelUrl must be an https:\/\/ URL.*modelLibUrl must point at the compiled model library/,
    );
  });

  it('refuses an id that is already taken', () => {
    expect(() => parseCustomModel(good, [good.id])).toThrow(/already exists/);
  });

  it('gives one message per invalid field for a form, and none for a valid record', () => {
    expect(
      customModelFieldErrors({
        id: 'ok-id',
        modelUrl: 'ftp://example.org/m',
        modelLibUrl: 'https://x.org/lib.js',
        contextWindow: 12,
      }),
    ).toEqual({
      modelUrl: 'must be an https:// URL, or http://localhost for a server on this machine',
      modelLibUrl: 'must point at the compiled model library (a .wasm file)',
      contextWindow: expect.stringMatching(/256/),
    });
    expect(customModelFieldErrors({ ...good, vramMB: Number('lots') })).toEqual({
      vramMB: expect.stringMatching(/^must be a number of megabytes/),
    });
    expect(customModelFieldErrors({ ...good, vramMB: 0 })).toEqual({
      vramMB: expect.stringMatching(/^must be a number of megabytes/),
    });
    expect(customModelFieldErrors(good)).toEqual({});
    expect(customModelFieldErrors(good, [good.id])).toEqual({ id: expect.stringMatching(/already in use/) });
  });

  it('becomes a WebLLM record with context window, VRAM and features', () => {
    expect(toModelRecord(parseCustomModel(good))).toEqual({
      model: good.modelUrl,
      model_id: good.id,
      model_lib: good.modelLibUrl,
      overrides: { context_window_size: 4096 },
      vram_required_MB: 2500,
      required_features: ['shader-f16'],
    });
    const config = withCustomModels(prebuiltAppConfig, [parseCustomModel(good)]);
    expect(config.model_list.at(-1)?.model_id).toBe(good.id);
    expect(config.model_list).toHaveLength(prebuiltAppConfig.model_list.length + 1);
  });
});

describe('checkCustomModelFiles', () => {
  const model = parseCustomModel(good);

  it('reads the manifests where WebLLM will look (resolve/main/) and reports the weight size', async () => {
    const report = await checkCustomModelFiles(model, {
      fetch: fakeFetch({
        [`${base}mlc-chat-config.json`]: config,
        [`${base}tensor-cache.json`]: tensors,
        [good.modelLibUrl]: 'wasm',
      }),
    });
    expect(report).toEqual({
      baseUrl: base,
      weightBytes: 1024,
      shards: 2,
      contextWindow: 4096,
      tokenizerFiles: ['tokenizer.json'],
    });
  });

  it('explains the resolve/main/ rule when the chat config is missing', async () => {
    await expect(checkCustomModelFiles(model, { fetch: fakeFetch({}) })).rejects.toThrow(
      /HTTP 404.*resolve\/main/,
    );
  });

  it('explains an old ndarray-cache.json conversion', async () => {
    const fetch = fakeFetch({
      [`${base}mlc-chat-config.json`]: config,
      [`${base}ndarray-cache.json`]: tensors,
    });
    await expect(checkCustomModelFiles(model, { fetch })).rejects.toThrow(
      /ndarray-cache\.json.*tensor-cache\.json.*Re-convert/,
    );
  });

  it('rejects a chat config that is not MLC format, and a missing library', async () => {
    await expect(
      checkCustomModelFiles(model, { fetch: fakeFetch({ [`${base}mlc-chat-config.json`]: { hello: 1 } }) }),
    ).rejects.toThrow(/not an MLC chat config/);
    await expect(
      checkCustomModelFiles(model, {
        fetch: fakeFetch({ [`${base}mlc-chat-config.json`]: config, [`${base}tensor-cache.json`]: tensors }),
      }),
    ).rejects.toThrow(/model library .* answered HTTP 404/);
  });
});
