// ModelClient over the model worker's handlers: calls, download progress and abort cross the RPC, and a malformed
// request is refused by the worker side with the field named.
import { describe, expect, it } from 'vitest';
import type { Progress } from '../core/progress';
import type { CapabilityReport, ModelRpc, ModelService } from '../protocol/model-protocol';
import { RpcClient, serveRpc, type RpcEndpoint } from '../core/rpc';
import { modelHandlers } from '../workers/model-handlers';
import { ModelClient } from './model-client';

const report: CapabilityReport = { ok: true, webgpu: true, shaderF16: false };

/** A model service that downloads in two steps and waits for an abort when asked for `slow`. */
const fake: ModelService = {
  checkCapabilities: async () => report,
  recommend: async (r) => ({ modelId: r.shaderF16 ? 'f16' : 'f32', reason: 'fits' }),
  catalog: async () => [],
  download: async (modelId, opts) => {
    opts.onProgress?.({ fraction: 0.5, text: 'half' });
    if (modelId === 'slow') {
      await new Promise((_, reject) =>
        opts.signal?.addEventListener('abort', () => reject(opts.signal?.reason)),
      );
    }
    opts.onProgress?.({ fraction: 1, text: 'done' });
  },
  deleteModel: async () => undefined,
  customModels: async () => [],
  addCustomModel: async () => ({ ok: false, fieldErrors: { id: 'taken' } }),
  removeCustomModel: async () => undefined,
  checkCustomModel: async (id) => `checked ${id}`,
};

/** A client connected to the handlers over a MessageChannel, as the page is to the model worker. */
function connected(): { client: ModelClient; port: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  serveRpc<ModelRpc>(port2 as unknown as RpcEndpoint, modelHandlers(fake));
  port1.start();
  port2.start();
  return { client: new ModelClient(() => port1 as unknown as RpcEndpoint), port: port1 };
}

describe('ModelClient', () => {
  it('calls the model worker and relays download progress', async () => {
    const { client, port } = connected();
    expect(await client.recommend({ ...report, shaderF16: true })).toEqual({
      modelId: 'f16',
      reason: 'fits',
    });
    const seen: Progress[] = [];
    await client.download('m', { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([
      { fraction: 0.5, text: 'half' },
      { fraction: 1, text: 'done' },
    ]);
    expect(await client.checkCustomModel('x', {})).toBe('checked x');
    port.close();
  });

  it('aborts a download through the RPC', async () => {
    const { client, port } = connected();
    const controller = new AbortController();
    const done = client.download('slow', { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    port.close();
  });

  it('is refused by the worker with the field named when a request is malformed', async () => {
    const { port1, port2 } = new MessageChannel();
    serveRpc<ModelRpc>(port2 as unknown as RpcEndpoint, modelHandlers(fake));
    port1.start();
    port2.start();
    const raw = new RpcClient<ModelRpc>(port1 as unknown as RpcEndpoint);
    await expect(
      raw.call('download', { modelId: 7 } as unknown as { modelId: string }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/^download: modelId .*\(got a number\)\.$/),
    });
    port1.close();
  });
});
