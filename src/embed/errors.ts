/**
 * Errors of the embedding layer: a model whose files cannot be found (offline, downloads off) and a model that was
 * found but could not be loaded or run. Both say what to do next; retrieval keeps working on lexical search alone
 * while either is unresolved.
 */
import { AppError } from '../core/errors';

/** The model's files are neither cached, nor in the local model folder, nor allowed to be downloaded. */
export class EmbeddingModelUnavailableError extends AppError {
  readonly modelId: string;
  /** `advice` replaces the default next step (allow downloads, or put the files in the local model folder). */
  constructor(modelId: string, detail: string, options?: { cause?: unknown; advice?: string }) {
    const advice =
      options?.advice ??
      'Allow model downloads in Settings to fetch it once, or put its files (config.json, tokenizer.json, ' +
        'tokenizer_config.json, onnx/model*.onnx) in the local model folder.';
    super(
      'embedding-model-unavailable',
      `The embedding model "${modelId}" is not available on this device (${detail}). ${advice} Search keeps ` +
        `working on keywords until then.`,
      options,
    );
    this.modelId = modelId;
  }
}

/** The model's files were found but the runtime could not load or run them (corrupt file, unsupported device). */
export class EmbeddingModelLoadError extends AppError {
  readonly modelId: string;
  constructor(modelId: string, detail: string, options?: { cause?: unknown }) {
    super(
      'embedding-model-load-failed',
      `The embedding model "${modelId}" could not be loaded (${detail}). Delete its cached files and download ` +
        `it again, or choose another embedding model in Settings; if it fails only on WebGPU, set the device to ` +
        `"wasm". Search keeps working on keywords until then.`,
      options,
    );
    this.modelId = modelId;
  }
}
