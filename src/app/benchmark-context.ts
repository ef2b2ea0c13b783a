/**
 * The benchmark service components receive through `@lit/context` (kept apart from `context.ts`, which holds the
 * app-wide services). `mr-app` provides a `BenchmarkClient`; tests provide one served in the page.
 */
import { createContext } from '@lit/context';
import type { BenchmarkService } from '../agent/benchmark-client';

/** The benchmark worker client. */
export const benchmarkContext = createContext<BenchmarkService>(Symbol('mr-benchmark'));
