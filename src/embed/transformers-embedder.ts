/**
 * `TransformersEmbedder`: an `Embedder` backed by a transformers.js feature-extraction pipeline. It runs in the
 * memory worker (WebGPU when the browser has a usable adapter, else WebAssembly) and in Node (ONNX Runtime's CPU
 * backend). ONNX Runtime's wasm files come from the app itself (`/ort/` by default, see
 * `scripts/vite-ort-wasm.ts`), never from a CDN, and model weights are only downloaded when the caller allows it;
 * otherwise they must be cached already or sit in the local model folder.
 *
 * @example
 * const embedder = await TransformersEmbedder.create({ model: 'Xenova/bge-small-en-v1.5', allowRemote: true });
 * const [v] = await embedder.embed(['Where did Caroline go on 7 May?'], 'query');
 * v.length // => 384
 */
import {
  ModelFileNotFoundError,
  env,
  pipeline,
  type FeatureExtractionPipeline,
  type ProgressInfo,
} from '@huggingface/transformers';
import { errorMessage, throwIfAborted } from '../core/errors';
import { abortable } from './abortable';
import type { CallOptions, EmbedKind, Embedder } from '../core/types';
import {
  resolveEmbeddingModel,
  type EmbeddingDtype,
  type EmbeddingModelSpec,
  type EmbeddingPooling,
} from '../core/embedding-models';
import { EmbeddingModelLoadError, EmbeddingModelUnavailableError } from './errors';
import { progressFraction, type Progress } from '../core/progress';
import { isNodeRuntime, runtimeNavigator } from '../core/runtime';

/** Where inference runs: `auto` picks WebGPU, else WASM in a browser, and the CPU backend in Node. */
export type EmbeddingDevice = 'webgpu' | 'wasm' | 'cpu' | 'auto';

/** An embedding model's load in bytes over all its files, with the fraction and a sentence to show. */
export function embedderLoadProgress(loadedBytes: number, totalBytes: number): Progress {
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  return {
    fraction: progressFraction(loadedBytes, totalBytes),
    text: `Loading the embedding model: ${mb(loadedBytes)} of ${mb(totalBytes)} MB`,
    loadedBytes,
    totalBytes,
  };
}

/** Options of `TransformersEmbedder.create`; defaults are stated per field. */
export interface TransformersEmbedderOptions {
  /** A catalog entry, or a model id (catalog id, Hugging Face id, or folder under `localModelPath`). */
  model: EmbeddingModelSpec | string;
  /** Folder (Node) or URL path (browser) holding `<model id>/config.json` etc. Default: transformers.js' own. */
  localModelPath?: string;
  /** Whether model files may be downloaded from the model host. Default false: cached or local files only. */
  allowRemote?: boolean;
  /** Default `auto`. */
  device?: EmbeddingDevice;
  /** Default: the model spec's dtype (`q8` for the catalog). */
  dtype?: EmbeddingDtype;
  /** Same-origin URL path of ONNX Runtime's wasm files (browser only). Default `/ort/`. */
  wasmPaths?: string;
  /** Texts per inference call. Default 16. */
  batchSize?: number;
  /** Bytes of model files loaded so far (`loadedBytes`) over all files (`totalBytes` grows as files are found). */
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/** The ONNX Runtime build transformers.js' web bundle (`onnxruntime-web/webgpu`) loads for both WebGPU and WASM. */
export const ORT_WASM_FILES = {
  mjs: 'ort-wasm-simd-threaded.asyncify.mjs',
  wasm: 'ort-wasm-simd-threaded.asyncify.wasm',
} as const;

const DEFAULT_BATCH_SIZE = 16;
const DEFAULT_WASM_PATH = '/ort/';

const isNode = isNodeRuntime();

/** transformers.js keeps its settings in one global `env`; loads are chained so two never interleave settings. */
let loadChain: Promise<unknown> = Promise.resolve();

/** An `Embedder` running a transformers.js feature-extraction model (see the module header). */
export class TransformersEmbedder implements Embedder {
  /** Model id and precision, e.g. `Xenova/bge-small-en-v1.5#q8`: vectors of different ids are never mixed. */
  readonly id: string;
  readonly dims: number;
  readonly model: EmbeddingModelSpec;
  /** The device the model actually runs on (after `auto` and any WebGPU fallback). */
  readonly device: Exclude<EmbeddingDevice, 'auto'>;
  private readonly extractor: FeatureExtractionPipeline;
  private readonly batchSize: number;

  private constructor(
    model: EmbeddingModelSpec,
    dtype: EmbeddingDtype,
    dims: number,
    device: Exclude<EmbeddingDevice, 'auto'>,
    extractor: FeatureExtractionPipeline,
    batchSize: number,
  ) {
    this.model = model;
    this.id = `${model.id}#${dtype}`;
    this.dims = dims;
    this.device = device;
    this.extractor = extractor;
    this.batchSize = batchSize;
  }

  /**
   * Loads the model (from the cache, the local folder, or, when `allowRemote`, the model host) and checks its
   * output size. Throws `EmbeddingModelUnavailableError` when the files are nowhere to be found,
   * `EmbeddingModelLoadError` when they cannot be loaded, and an `AbortError` when `signal` aborts.
   */
  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const spec = resolveEmbeddingModel(options.model);
    const dtype = options.dtype ?? spec.dtype;
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}.`);
    }
    throwIfAborted(options.signal);
    const load = loadChain.then(() => loadPipeline(spec, dtype, options));
    loadChain = load.catch(() => undefined);
    const { extractor, device } = await abortable(
      load,
      options.signal,
      (late) => void late.extractor.dispose(),
    );

    try {
      const probe = await runPipeline(extractor, ['dimension probe'], spec.pooling);
      const dims = probe[0]?.length ?? 0;
      if (spec.dims !== undefined && dims !== spec.dims) {
        throw new EmbeddingModelLoadError(
          spec.id,
          `it returned ${dims}-dimensional vectors, expected ${spec.dims}`,
        );
      }
      throwIfAborted(options.signal);
      return new TransformersEmbedder(spec, dtype, dims, device, extractor, batchSize);
    } catch (err) {
      await extractor.dispose();
      throw err;
    }
  }

  /**
   * Embeds texts as queries or passages (adding the model's prefix for that kind), in batches, returning one
   * L2-normalized vector per text in input order. An abort rejects with an `AbortError` between batches (a batch
   * already running on the device finishes in the background and is discarded).
   */
  async embed(texts: string[], kind: EmbedKind, opts: CallOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(opts.signal);
    const prefix = kind === 'query' ? this.model.queryPrefix : this.model.passagePrefix;
    // Texts of similar length batched together waste less compute on padding.
    const order = texts.map((_, i) => i).sort((a, b) => (texts[a]?.length ?? 0) - (texts[b]?.length ?? 0));
    const out = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const indices = order.slice(start, start + this.batchSize);
      const batch = indices.map((i) => prefix + (texts[i] ?? ''));
      const vectors = await abortable(runPipeline(this.extractor, batch, this.model.pooling), opts.signal);
      indices.forEach((textIndex, j) => {
        const vector = vectors[j];
        if (!vector || vector.length !== this.dims) {
          throw new EmbeddingModelLoadError(
            this.model.id,
            `it returned a vector of the wrong size for a text`,
          );
        }
        out[textIndex] = vector;
      });
      throwIfAborted(opts.signal);
    }
    return out;
  }

  /** Releases the model's session (and GPU buffers); the embedder cannot be used afterwards. */
  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}

/** Runs the pipeline on one batch and splits the `[n, dims]` output into one vector per text. */
async function runPipeline(
  extractor: FeatureExtractionPipeline,
  texts: string[],
  pooling: EmbeddingPooling,
): Promise<Float32Array[]> {
  const output = await extractor(texts, { pooling, normalize: true });
  try {
    const [rows, dims] = output.dims;
    if (output.dims.length !== 2 || rows !== texts.length || dims === undefined) {
      throw new Error(`unexpected output shape [${output.dims.join(', ')}]`);
    }
    const data = output.data;
    if (!(data instanceof Float32Array)) throw new Error(`unexpected output type ${output.type}`);
    return Array.from({ length: rows }, (_, i) => data.slice(i * dims, (i + 1) * dims));
  } finally {
    output.dispose();
  }
}

/** Sets transformers.js' global settings for one load, picks the device and creates the pipeline. */
async function loadPipeline(
  spec: EmbeddingModelSpec,
  dtype: EmbeddingDtype,
  options: TransformersEmbedderOptions,
): Promise<{ extractor: FeatureExtractionPipeline; device: Exclude<EmbeddingDevice, 'auto'> }> {
  const allowRemote = options.allowRemote ?? false;
  env.allowRemoteModels = allowRemote;
  // Local lookups stay on even in a browser: they are same-origin, and without them transformers.js refuses to
  // consult its own cache when downloads are off.
  env.allowLocalModels = true;
  if (options.localModelPath !== undefined) env.localModelPath = options.localModelPath;
  if (!isNode) {
    configureWasmPaths(options.wasmPaths ?? DEFAULT_WASM_PATH);
    env.fetch = fetchWithoutHtmlFallback;
  }

  const tracker = progressTracker(options.onProgress);
  const create = (device: Exclude<EmbeddingDevice, 'auto'>) =>
    pipeline('feature-extraction', spec.id, {
      device,
      dtype,
      local_files_only: !allowRemote,
      progress_callback: tracker,
    });

  const requested = options.device ?? 'auto';
  const device = requested === 'auto' ? await pickDevice() : requested;
  try {
    return { extractor: await create(device), device };
  } catch (err) {
    const mapped = mapLoadError(spec.id, err);
    // WebGPU can be present yet unusable (blocklisted driver, lost device): fall back to WASM when auto-picked.
    if (requested === 'auto' && device === 'webgpu' && !(mapped instanceof EmbeddingModelUnavailableError)) {
      try {
        return { extractor: await create('wasm'), device: 'wasm' };
      } catch (fallbackErr) {
        throw mapLoadError(spec.id, fallbackErr);
      }
    }
    throw mapped;
  }
}

/** Points ONNX Runtime at the app's own copy of its wasm files, replacing transformers.js' CDN default. */
function configureWasmPaths(basePath: string): void {
  const wasm = env.backends.onnx.wasm;
  if (!wasm) throw new EmbeddingModelLoadError('onnxruntime-web', 'its WebAssembly backend is missing');
  const base = basePath.endsWith('/') ? basePath : `${basePath}/`;
  wasm.wasmPaths = { mjs: base + ORT_WASM_FILES.mjs, wasm: base + ORT_WASM_FILES.wasm };
}

const baseFetch = env.fetch;

/**
 * transformers.js' fetch, except that an HTML page answering for a model file counts as "not found": dev servers
 * and single-page-app hosts answer unknown paths with index.html and status 200, which would otherwise surface as
 * a baffling JSON or protobuf parse error instead of "the model is not here".
 */
async function fetchWithoutHtmlFallback(input: string | URL, init?: RequestInit): Promise<Response> {
  const response: Response = await baseFetch(input, init);
  if (response.ok && response.headers.get('content-type')?.startsWith('text/html')) {
    await response.body?.cancel();
    return new Response(null, { status: 404, statusText: 'Not Found' });
  }
  return response;
}

/** WebGPU when a browser offers an adapter, WASM otherwise; ONNX Runtime's CPU backend in Node. */
async function pickDevice(): Promise<Exclude<EmbeddingDevice, 'auto'>> {
  if (isNode) return 'cpu';
  const gpu = runtimeNavigator()?.gpu;
  if (!gpu) return 'wasm';
  try {
    return (await gpu.requestAdapter()) ? 'webgpu' : 'wasm';
  } catch {
    return 'wasm';
  }
}

/** Turns transformers.js' load failures into this layer's errors (missing files vs. anything else). */
function mapLoadError(modelId: string, err: unknown): Error {
  if (err instanceof EmbeddingModelUnavailableError || err instanceof EmbeddingModelLoadError) return err;
  const message = errorMessage(err);
  if (err instanceof ModelFileNotFoundError || /not found locally|Could not locate file/i.test(message)) {
    return new EmbeddingModelUnavailableError(
      modelId,
      'its files are not cached or in the local model folder',
      {
        cause: err,
      },
    );
  }
  return new EmbeddingModelLoadError(modelId, message, { cause: err });
}

/** Sums transformers.js' per-file progress into one stream of bytes loaded over all files. */
function progressTracker(
  onProgress: ((p: Progress) => void) | undefined,
): ((info: ProgressInfo) => void) | undefined {
  if (!onProgress) return undefined;
  return (info) => {
    if (info.status === 'progress_total') onProgress(embedderLoadProgress(info.loaded, info.total));
  };
}
