/**
 * The input of every `MemoryStore` method, checked before the method reads or writes anything: both stores call
 * `storeInput`, so they refuse a wrong value alike, with a message naming the method, the field and the form
 * expected (`apply: time must be epoch milliseconds (a number) (got a string).`). Only the form is checked here;
 * what depends on the store's contents (a memory that exists, a text within the size limit, vectors of the stored
 * length) stays with the planners. A malformed batch is an `InvalidBatchError`, as every other invalid batch; any
 * other malformed input an `InvalidInputError`. Cheap on large batches: a vector is checked as a `Float32Array`,
 * never element by element.
 */
import { z } from 'zod';
import { InvalidBatchError } from '../core/errors';
import { epochMsSchema, memoryFilterShape } from '../core/input-schemas';
import { parseInput } from '../core/parse-input';
import type {
  MemoryFilter,
  MemoryOpBatch,
  PageQuery,
  PassRecord,
  SearchQuery,
  TurnFailure,
} from '../core/types';
import { turnFailureSchema } from './export-format';
import { passRecordSchema, storeOpSchema } from './indexeddb/pass-journal';

const str = z.string();
const count = z.number().int().nonnegative();
const vector = z.instanceof(Float32Array, { message: 'must be a Float32Array' });
/** Texts with their vectors, as `putEmbeddings` and a batch's `embeddings` take them. */
const embeddingItemsSchema = z.array(z.object({ text: str, vector }));

const batchSchema = z.object({
  batchId: str.optional(),
  turnId: str.optional(),
  conversationId: str.optional(),
  speaker: str.optional(),
  modelId: str.optional(),
  time: epochMsSchema.optional(),
  ops: z.array(storeOpSchema),
  embeddings: z.object({ embedderId: str, vectors: embeddingItemsSchema }).optional(),
});

const filterSchema = z.object(memoryFilterShape);
const searchSchema = z.object({
  ...memoryFilterShape,
  text: str,
  vector: vector.optional(),
  embedderId: str.optional(),
  limit: z.number().nonnegative().optional(),
});
const pageSchema = z.object({ ...memoryFilterShape, limit: z.number().nonnegative() });

/** Keeps only the fields of a failure the schema knows, so a caller's extra fields never make the store unreadable. */
const failureSchema = z.object(turnFailureSchema.shape);

/** Schemas of the methods' positional arguments, by name, so a message names the argument. */
const argsSchemas = {
  get: z.object({ id: str }),
  findTurn: z.object({ turnId: str }),
  undo: z.object({ batchId: str }),
  clearFailure: z.object({ turnId: str }),
  clearPass: z.object({ turnId: str }),
  history: z.object({ memoryId: str.optional() }),
  putEmbeddings: z.object({ embedderId: str, items: embeddingItemsSchema }),
  missingEmbeddings: z.object({ embedderId: str, limit: count.optional() }),
};
type ArgsMethod = keyof typeof argsSchemas;

/** The checks each `MemoryStore` method makes on its input (see the module comment); each throws or returns. */
export const storeInput = {
  /** A batch as `apply` takes it (the caller's object is kept, so nothing is copied). */
  apply(batch: MemoryOpBatch): void {
    parseInput(batchSchema, batch, 'apply', (message) => new InvalidBatchError(message));
  },
  /** A search query. */
  search(query: SearchQuery): void {
    parseInput(searchSchema, query, 'search');
  },
  /** A filter of `list`. */
  list(filter: MemoryFilter): void {
    parseInput(filterSchema, filter, 'list');
  },
  /** A query of `page`. */
  page(query: PageQuery): void {
    parseInput(pageSchema, query, 'page');
  },
  /** The positional arguments of `method`, by name: `storeInput.args('get', { id })`. */
  args<M extends ArgsMethod>(
    method: M,
    values: { [K in keyof z.input<(typeof argsSchemas)[M]>]: unknown },
  ): void {
    parseInput<unknown>(argsSchemas[method], values, method);
  },
  /** The failure to keep: only the fields a failure has. */
  recordFailure(failure: TurnFailure): TurnFailure {
    return parseInput(failureSchema, failure, 'recordFailure');
  },
  /** The journal entry to keep. */
  putPass(pass: PassRecord): PassRecord {
    return parseInput(passRecordSchema, pass, 'putPass');
  },
};
