/** Registers `<mr-benchmark>` (kept apart from the class so tests can import it without side effects). */
import { MrBenchmark } from './mr-benchmark';

/** Defines `mr-benchmark` unless it is defined already. */
export function defineBenchmark(): void {
  if (!customElements.get('mr-benchmark')) customElements.define('mr-benchmark', MrBenchmark);
}
