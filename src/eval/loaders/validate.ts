/**
 * Validation of dataset items with zod, shared by every loader. Free of Node APIs, so the browser (the app's
 * Benchmark view) can validate a file the user picked with the same messages as the command line.
 */
import type { z } from 'zod';
import { DatasetError } from '../errors';

/** Parses `value` with a zod schema or throws a `DatasetError` naming the file, the place and the problem. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, where: string, format: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new DatasetError(`${where} is not in the ${format} format: ${issues}.`);
}
