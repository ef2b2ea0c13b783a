/**
 * Reading benchmark files: whole JSON documents, JSON arrays too large for one string (LongMemEval-M is several
 * gigabytes, past V8's string limit) element by element, and JSON Lines. Failures become `DatasetError`s that
 * name the file and the position.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { DatasetError } from '../errors';

function describeReadError(file: string, err: unknown): DatasetError {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT')
    return new DatasetError(`${file} does not exist. Check the --dataset path.`, { cause: err });
  return new DatasetError(`${file} could not be read (${String(err)}).`, { cause: err });
}

/** Reads and parses a whole JSON file. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw describeReadError(file, err);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DatasetError(`${file} is not valid JSON (${(err as Error).message}).`, { cause: err });
  }
}

/**
 * Yields the elements of a top-level JSON array one at a time without holding the whole file as a string: the
 * bytes are scanned for element boundaries (depth 1 commas outside strings) and each element is parsed alone.
 */
export async function* readJsonArray(file: string, signal?: AbortSignal): AsyncGenerator<unknown> {
  const stream = createReadStream(file, { signal });
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  let parts: Buffer[] = [];
  let index = 0;
  const parseElement = (bytes: Buffer): unknown => {
    const text = bytes.toString('utf8').trim();
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new DatasetError(`${file}: element ${index} of the JSON array is not valid JSON.`, {
        cause: err,
      });
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === 0x5c) escaped = true;
          else if (byte === 0x22) inString = false;
          continue;
        }
        if (byte === 0x22) {
          inString = true;
        } else if (byte === 0x5b || byte === 0x7b) {
          depth += 1;
          if (depth === 1) {
            if (byte !== 0x5b) throw new DatasetError(`${file} is not a JSON array (it starts with "{").`);
            started = true;
            from = i + 1;
          }
        } else if (byte === 0x5d || byte === 0x7d) {
          depth -= 1;
          if (depth === 0) {
            parts.push(chunk.subarray(from, i));
            const last = Buffer.concat(parts);
            parts = [];
            if (last.toString('utf8').trim() !== '') yield parseElement(last);
            return;
          }
        } else if (byte === 0x2c && depth === 1) {
          parts.push(chunk.subarray(from, i));
          yield parseElement(Buffer.concat(parts));
          index += 1;
          parts = [];
          from = i + 1;
        }
      }
      if (started && depth >= 1) parts.push(chunk.subarray(from));
    }
  } catch (err) {
    if (err instanceof DatasetError || (err as { name?: unknown }).name === 'AbortError') throw err;
    throw describeReadError(file, err);
  }
  throw new DatasetError(
    started
      ? `${file} ends before its JSON array closes (truncated download?).`
      : `${file} holds no JSON array.`,
  );
}

/** Yields each non-empty line of a JSON Lines file, parsed, with its 1-based line number. */
export async function* readJsonLines(
  file: string,
  signal?: AbortSignal,
): AsyncGenerator<{ line: number; value: unknown }> {
  const lines = createInterface({ input: createReadStream(file, { signal }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text) as unknown;
      } catch (err) {
        throw new DatasetError(`${file}:${line} is not valid JSON (each line must be one JSON object).`, {
          cause: err,
        });
      }
      yield { line, value };
    }
  } catch (err) {
    if (err instanceof DatasetError || (err as { name?: unknown }).name === 'AbortError') throw err;
    throw describeReadError(file, err);
  }
}
