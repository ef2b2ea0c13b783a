/**
 * Writing and reading the RL datasets. Parquet goes through `hyparquet-writer` with an explicit schema, so verl
 * (which reads the file with Arrow / Hugging Face `datasets`) gets real nested columns: `prompt` is a standard
 * three-level LIST of structs `{role, content}`, `reward_model` and `extra_info` are structs. JSONL carries the same
 * rows, one JSON object per line. Both read back through `readRows`, validated row by row.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { parquetReadObjects, type SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { DatasetError } from '../eval/errors';
import { rlRowSchema, type RlRow } from './dataset';

const string = (name: string, repetition: 'REQUIRED' | 'OPTIONAL' = 'REQUIRED'): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: repetition,
});

/** The Parquet schema of a row (flattened depth-first, as Parquet stores it). */
export const ROW_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 5 },
  string('data_source'),
  { name: 'prompt', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
  string('role'),
  string('content'),
  string('ability'),
  { name: 'reward_model', repetition_type: 'REQUIRED', num_children: 2 },
  string('style'),
  string('ground_truth'),
  { name: 'extra_info', repetition_type: 'REQUIRED', num_children: 10 },
  string('split'),
  { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
  string('agent'),
  string('question_id'),
  string('conversation_id'),
  string('question'),
  { name: 'category', type: 'INT32', repetition_type: 'REQUIRED' },
  string('bank_source'),
  string('evidence'),
  string('manager_state', 'OPTIONAL'),
];

/** The rows as a Parquet file (in memory). */
export function rowsToParquet(rows: readonly RlRow[]): ArrayBuffer {
  return parquetWriteBuffer({
    schema: ROW_SCHEMA,
    columnData: [
      { name: 'data_source', data: rows.map((r) => r.data_source) },
      { name: 'prompt', data: rows.map((r) => r.prompt.map((m) => ({ role: m.role, content: m.content }))) },
      { name: 'ability', data: rows.map((r) => r.ability) },
      { name: 'reward_model', data: rows.map((r) => ({ ...r.reward_model })) },
      {
        name: 'extra_info',
        data: rows.map((r) => ({ ...r.extra_info, index: BigInt(r.extra_info.index) })),
      },
    ],
  });
}

/** The rows as JSONL text. */
export function rowsToJsonl(rows: readonly RlRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
}

/** Writes `rows` to `<base>.parquet` and `<base>.jsonl` (directories are created). */
export async function writeRows(
  base: string,
  rows: readonly RlRow[],
): Promise<{ parquet: string; jsonl: string }> {
  await mkdir(dirname(base), { recursive: true });
  const parquet = `${base}.parquet`;
  const jsonl = `${base}.jsonl`;
  await writeFile(parquet, new Uint8Array(rowsToParquet(rows)));
  await writeFile(jsonl, rowsToJsonl(rows));
  return { parquet, jsonl };
}

function validateRow(value: unknown, where: string): RlRow {
  const result = rlRowSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new DatasetError(
      `${where} is not an RL dataset row (${issue?.path.join('.') || 'row'}: ${issue?.message}). ` +
        'Build the dataset with `npm run rl -- build-dataset`.',
    );
  }
  return result.data;
}

/** Reads rows from a `.parquet` or `.jsonl` file written by `writeRows`, validating each. */
export async function readRows(file: string): Promise<RlRow[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new DatasetError(`Cannot read ${file}: ${(err as Error).message}. Check the path.`, { cause: err });
  }
  if (extname(file) === '.parquet') {
    let objects: Record<string, unknown>[];
    try {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      objects = await parquetReadObjects({ file: buffer });
    } catch (err) {
      throw new DatasetError(`${file} is not a readable Parquet file: ${(err as Error).message}.`, {
        cause: err,
      });
    }
    return objects.map((o, i) => validateRow(o, `${file} row ${i}`));
  }
  const rows: RlRow[] = [];
  bytes
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new DatasetError(
          `${file} line ${i + 1} is not valid JSON. Rebuild the dataset or fix that line.`,
        );
      }
      rows.push(validateRow(value, `${file} line ${i + 1}`));
    });
  return rows;
}
