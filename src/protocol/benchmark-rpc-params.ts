/**
 * The zod schemas of the benchmark worker's request params (`BenchmarkRpc`), which the worker checks before any
 * work (`checkedHandlers`), so a wrong param is refused with the method and the field named. Kept apart from the
 * protocol's types, which the page imports, so the page's bundle never carries them.
 */
import { z } from 'zod';
import type { ParamSchemas } from '../core/parse-input';
import type { BenchmarkRpc } from './benchmark-protocol';
import { settingsSchema } from './settings';

const file = z.instanceof(Blob, { message: 'must be the picked file (a Blob)' });

/** The params of each `BenchmarkRpc` method. */
export const benchmarkRpcParams: ParamSchemas<BenchmarkRpc> = {
  inspect: z.object({ file }),
  run: z.object({
    file,
    conversationId: z.string().min(1),
    settings: settingsSchema,
    limit: z.number().int().positive().optional(),
  }),
};
