/**
 * The catalog of embedding models the app offers, as plain data (no transformers.js import, so the settings UI can
 * list them cheaply). Each entry says how the model must be used: its output size, the pooling it was trained
 * with, and the prefixes it expects on queries and passages. A model used without its prefixes still runs but
 * retrieves noticeably worse, so the prefixes live here rather than at call sites.
 */

/** Weight precisions transformers.js can load (`q8` is `onnx/model_quantized.onnx`, `fp32` is `onnx/model.onnx`). */
export type EmbeddingDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

/** How token vectors become one text vector: the mean over tokens, or the first ([CLS]) token. */
export type EmbeddingPooling = 'mean' | 'cls';

/** Everything needed to load an embedding model and use it correctly. */
export interface EmbeddingModelSpec {
  /** Hugging Face model id, or the folder name under the local model path. */
  id: string;
  /** Name shown to people. */
  label: string;
  /** Length of the output vectors; `undefined` means "read it from the model when it loads". */
  dims?: number;
  /** Precision to load; default `q8`. */
  dtype: EmbeddingDtype;
  pooling: EmbeddingPooling;
  /** Prepended to texts embedded as search queries. */
  queryPrefix: string;
  /** Prepended to texts embedded as stored passages. */
  passagePrefix: string;
  /** Languages the model was trained for. */
  languages: 'english' | 'multilingual';
  /** Approximate download size of the weights at `dtype`, in megabytes (for the model manager). */
  downloadMb?: number;
  /**
   * What runs it: transformers.js (default; weights from the model host or the local model folder), or `use-lite`:
   * `UseLiteEmbedder`, whose files the app serves itself (then `dtype`, `pooling` and the prefixes do not apply).
   */
  runtime?: 'use-lite';
}

/**
 * The models the app offers; the first is the default.
 * @example EMBEDDING_MODELS[0].id // => 'Xenova/bge-small-en-v1.5'
 */
export const EMBEDDING_MODELS: readonly EmbeddingModelSpec[] = Object.freeze([
  {
    // BGE was trained with [CLS] pooling and an instruction on short queries (not on passages).
    id: 'Xenova/bge-small-en-v1.5',
    label: 'BGE small (English)',
    dims: 384,
    dtype: 'q8',
    pooling: 'cls',
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
    languages: 'english',
    downloadMb: 34,
  },
  {
    id: 'Xenova/all-MiniLM-L6-v2',
    label: 'MiniLM L6 (English, smallest)',
    dims: 384,
    dtype: 'q8',
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    languages: 'english',
    downloadMb: 23,
  },
  {
    // E5 needs both prefixes: it was trained on "query: ..." / "passage: ..." pairs.
    id: 'Xenova/multilingual-e5-small',
    label: 'Multilingual E5 small (~100 languages)',
    dims: 384,
    dtype: 'q8',
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    languages: 'multilingual',
    downloadMb: 118,
  },
  {
    // Served by the app itself (scripts/vite-use-lite.ts), never by a model host; see docs/models.md for when to pick it.
    id: 'use-lite',
    label: 'Universal Sentence Encoder lite (English, bundled)',
    dims: 512,
    dtype: 'fp32',
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    languages: 'english',
    downloadMb: 28,
    runtime: 'use-lite',
  },
] satisfies EmbeddingModelSpec[]);

/** The default embedding model (384 dims, quantized, English). */
export const DEFAULT_EMBEDDING_MODEL: EmbeddingModelSpec = EMBEDDING_MODELS[0] as EmbeddingModelSpec;

/**
 * Resolves a model given by id: the catalog entry when there is one, else a custom model with no prefixes, mean
 * pooling and dims read from the model.
 * @example resolveEmbeddingModel('Xenova/multilingual-e5-small').queryPrefix // => 'query: '
 */
export function resolveEmbeddingModel(model: EmbeddingModelSpec | string): EmbeddingModelSpec {
  if (typeof model !== 'string') return model;
  const known = EMBEDDING_MODELS.find((m) => m.id === model);
  if (known) return known;
  return {
    id: model,
    label: model,
    dtype: 'q8',
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    languages: 'english',
  };
}
