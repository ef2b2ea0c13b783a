/**
 * Services the components receive through `@lit/context` instead of creating them: the memory worker client, the
 * on-device model services (GPU and CPU), and the current settings with a way to change them. `mr-app` provides
 * them all.
 */
import { createContext } from '@lit/context';
import type { CpuModelService } from '../agent/cpu-models-client';
import type { MemoryService } from '../agent/memory-worker-client';
import type { Settings } from '../protocol/settings';
import type { ModelService } from '../protocol/model-protocol';

/** The memory worker client. */
export const memoryContext = createContext<MemoryService>(Symbol('mr-memory'));

/** The on-device model service (WebGPU check, catalog, downloads, cache). */
export const modelContext = createContext<ModelService>(Symbol('mr-models'));

/** The On-device (CPU) models: catalog with cache state, downloads, deletion, threads. */
export const cpuModelContext = createContext<CpuModelService>(Symbol('mr-cpu-models'));

/** The current settings (re-provided whenever they change). */
export const settingsContext = createContext<Settings>(Symbol('mr-settings'));
