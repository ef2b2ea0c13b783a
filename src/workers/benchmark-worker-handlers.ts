/**
 * What the benchmark worker does, independent of where it runs: the handlers of the `BenchmarkRpc` protocol.
 * `inspect` parses a picked LoCoMo file and lists its conversations; `run` builds the models the settings select
 * and benchmarks one conversation with `runLocomoBenchmark` in a fresh in-memory store, so the user's memory bank
 * is never read or changed. An embedding model that cannot load (offline, blocked) leaves keyword retrieval, as in
 * chat, and the result says so. `benchmark.worker.ts` wires it to the real models; tests pass scripted ones.
 */
import type { BenchmarkRpc, LocomoFileInfo } from '../protocol/benchmark-protocol';
import { benchmarkRpcParams } from '../protocol/benchmark-rpc-params';
import type { RpcHandlers } from '../core/rpc';
import { checkedHandlers } from '../core/parse-input';
import { validateSettings, type Settings } from '../protocol/settings';
import { isAbortError, toErrorData } from '../core/errors';
import type { Embedder } from '../core/types';
import { runLocomoBenchmark } from '../eval/benchmark-run';
import { DatasetError } from '../eval/errors';
import { isAdversarial, parseLocomoJson, type LocomoDataset } from '../eval/loaders/locomo-format';
import type { RoleModelOptions, RoleModels } from './role-models';

/** What the handlers need from their host. */
export interface BenchmarkWorkerDeps {
  /** Creates (and for On-device, loads) the models the settings select. */
  createModels(settings: Settings, opts: RoleModelOptions): Promise<RoleModels>;
  /** Creates the embedder the settings select; absent or `undefined` for keyword retrieval only. */
  createEmbedder?(settings: Settings, opts: { signal?: AbortSignal }): Promise<Embedder | undefined>;
}

/** Reads and validates a picked LoCoMo file; a message names the file by its name. */
async function readLocomo(file: Blob): Promise<LocomoDataset> {
  const name = file instanceof File && file.name ? `"${file.name}"` : 'The picked file';
  return parseLocomoJson(await file.text(), name);
}

/** The protocol handlers (see the module comment); each checks its params first (`benchmarkRpcParams`). */
export function benchmarkWorkerHandlers(deps: BenchmarkWorkerDeps): RpcHandlers<BenchmarkRpc> {
  return checkedHandlers(benchmarkRpcParams, {
    inspect: async ({ file }): Promise<LocomoFileInfo> => {
      const dataset = await readLocomo(file);
      return {
        conversations: dataset.conversations.map((c) => ({
          id: c.id,
          speakers: [c.speakerA, c.speakerB],
          sessions: c.sessions.length,
          turns: c.sessions.reduce((n, s) => n + s.turns.length, 0),
          questions: c.questions.filter((q) => !isAdversarial(q)).length,
        })),
        warnings: dataset.warnings,
      };
    },
    run: async ({ file, conversationId, limit, settings: raw }, { signal, progress }) => {
      const settings = validateSettings(raw);
      const dataset = await readLocomo(file);
      const conversation = dataset.conversations.find((c) => c.id === conversationId);
      if (!conversation) {
        throw new DatasetError(
          `The picked file has no conversation ${conversationId}. Pick the file again and choose one it holds.`,
        );
      }
      const models = await deps.createModels(settings, {
        signal,
        onLoading: (p) => progress({ ...p, phase: 'model' }),
      });
      const notes: string[] = [];
      let embedder: Embedder | undefined;
      try {
        embedder = await deps.createEmbedder?.(settings, { signal });
      } catch (err) {
        // As in chat: without the embedding model, retrieval still works with keywords alone.
        if (isAbortError(err)) throw err;
        notes.push(`Retrieval used keywords only: ${toErrorData(err).message}`);
      }
      const result = await runLocomoBenchmark({
        conversation,
        model: models.manager,
        ...(models.answer !== models.manager && { answerModel: models.answer }),
        embedder,
        limit,
        signal,
        onProgress: progress,
      });
      return { ...result, notes };
    },
  });
}
