/**
 * The on-device model catalog, derived at run time from WebLLM's own `prebuiltAppConfig`: ids, VRAM needs, the
 * low-resource flag, context sizes and required GPU features are read from WebLLM's records, never copied, so an
 * upgrade of `@mlc-ai/web-llm` updates them. Also holds the per-role assignment (one model may serve both the Memory
 * Manager and the Answer Agent), the default recommendation for a GPU, and what two different role models need of GPU
 * memory together.
 */
import { prebuiltAppConfig, type AppConfig, type ModelRecord } from '@mlc-ai/web-llm';
import { formatSize, UnknownModelError } from './errors';

/** The quantizations the catalog offers: f16 activations (needs `shader-f16`) or f32 activations (runs anywhere). */
export type Quantization = 'q4f16_1' | 'q4f32_1';

/** How the catalog presents a model: the default, a standard alternative, or a small one for weak GPUs. */
export type CatalogTier = 'default' | 'standard' | 'small';

/** One catalog entry: a WebLLM record plus what the UI and the capability check need, read from that record. */
export interface CatalogEntry {
  id: string;
  /** Base model name without quantization, e.g. `Qwen2.5-3B-Instruct`. */
  family: string;
  quantization: Quantization;
  tier: CatalogTier;
  /** VRAM WebLLM says the model needs, in MB (`vram_required_MB`). */
  vramMB?: number;
  /** WebLLM's `low_resource_required`: the build also runs on limited devices. */
  lowResource: boolean;
  /** Context window in tokens (`overrides.context_window_size`), when the record sets one. */
  contextWindow?: number;
  /** WebGPU features the model needs: the record's `required_features`, plus `shader-f16` for f16 builds. */
  requiredFeatures: string[];
  /** Required `maxStorageBufferBindingSize` in bytes (`buffer_size_required_bytes`), when the record sets one. */
  bufferSizeRequiredBytes?: number;
  /** Id of the same model's q4f32_1 build, for GPUs without `shader-f16`. */
  f32Alternative?: string;
  /** The WebLLM record itself, as given to the engine. */
  record: ModelRecord;
}

/** Which model each agent uses; the same id for both means one loaded model serves both roles. */
export interface RoleAssignment {
  manager: string;
  answer: string;
}

/** What the catalog needs to know about a GPU to recommend a model. */
export interface GpuCapabilities {
  shaderF16: boolean;
  /** GPU memory the user can spare, in MB, when known (WebGPU does not report VRAM; the user or a heuristic may). */
  vramBudgetMB?: number;
}

const FAMILIES: { family: string; tier: CatalogTier }[] = [
  { family: 'Qwen2.5-3B-Instruct', tier: 'default' },
  { family: 'Llama-3.2-3B-Instruct', tier: 'standard' },
  { family: 'Qwen2.5-1.5B-Instruct', tier: 'small' },
  { family: 'Llama-3.2-1B-Instruct', tier: 'small' },
  { family: 'Qwen2.5-0.5B-Instruct', tier: 'small' },
];

const QUANTIZATIONS: Quantization[] = ['q4f16_1', 'q4f32_1'];

/** The model WebLLM id for a family and quantization (WebLLM's naming: `<family>-<quantization>-MLC`). */
export function catalogModelId(family: string, quantization: Quantization): string {
  return `${family}-${quantization}-MLC`;
}

/** The catalog built from an app config, and the wanted ids the config lacks (empty for a supported WebLLM). */
export function buildCatalog(appConfig: AppConfig = prebuiltAppConfig): {
  entries: CatalogEntry[];
  missing: string[];
} {
  const entries: CatalogEntry[] = [];
  const missing: string[] = [];
  for (const { family, tier } of FAMILIES) {
    const f32Id = catalogModelId(family, 'q4f32_1');
    const hasF32 = appConfig.model_list.some((r) => r.model_id === f32Id);
    for (const quantization of QUANTIZATIONS) {
      const id = catalogModelId(family, quantization);
      const record = appConfig.model_list.find((r) => r.model_id === id);
      if (!record) {
        missing.push(id);
        continue;
      }
      entries.push(
        entryFromRecord(record, { family, tier, quantization, f32Alternative: hasF32 ? f32Id : undefined }),
      );
    }
  }
  return { entries, missing };
}

/** Catalog fields read from a WebLLM record; f16 builds need `shader-f16` even where the record omits it. */
function entryFromRecord(
  record: ModelRecord,
  meta: { family: string; tier: CatalogTier; quantization: Quantization; f32Alternative?: string },
): CatalogEntry {
  const features = new Set(record.required_features ?? []);
  if (meta.quantization === 'q4f16_1') features.add('shader-f16');
  return {
    id: record.model_id,
    family: meta.family,
    quantization: meta.quantization,
    tier: meta.tier,
    vramMB: record.vram_required_MB,
    lowResource: record.low_resource_required === true,
    contextWindow: record.overrides?.context_window_size,
    requiredFeatures: [...features],
    bufferSizeRequiredBytes: record.buffer_size_required_bytes,
    f32Alternative: meta.quantization === 'q4f16_1' ? meta.f32Alternative : undefined,
    record,
  };
}

/** The catalog of the installed WebLLM version. */
export const catalog: readonly CatalogEntry[] = buildCatalog().entries;

/** The default model for both roles: Qwen2.5-3B-Instruct, q4f16_1. */
export const DEFAULT_MODEL_ID = catalogModelId('Qwen2.5-3B-Instruct', 'q4f16_1');

/** Looks a catalog entry up by id. */
export function findCatalogEntry(
  id: string,
  entries: readonly CatalogEntry[] = catalog,
): CatalogEntry | undefined {
  return entries.find((e) => e.id === id);
}

/**
 * Recommends a model for a GPU: the default 3B model (its q4f32_1 build without `shader-f16`), stepping down to
 * smaller Qwen entries when a VRAM budget is known and too small.
 * @example recommendModel({ shaderF16: false }) // => { modelId: 'Qwen2.5-3B-Instruct-q4f32_1-MLC', … }
 */
export function recommendModel(
  caps: GpuCapabilities,
  entries: readonly CatalogEntry[] = catalog,
): { modelId: string; reason: string } {
  const quantization: Quantization = caps.shaderF16 ? 'q4f16_1' : 'q4f32_1';
  const ladder = ['Qwen2.5-3B-Instruct', 'Qwen2.5-1.5B-Instruct', 'Qwen2.5-0.5B-Instruct']
    .map((family) => findCatalogEntry(catalogModelId(family, quantization), entries))
    .filter((e): e is CatalogEntry => e !== undefined);
  const fits = (e: CatalogEntry) =>
    caps.vramBudgetMB === undefined || e.vramMB === undefined || e.vramMB <= caps.vramBudgetMB;
  const pick = ladder.find(fits) ?? ladder[ladder.length - 1];
  if (!pick) throw new UnknownModelError(catalogModelId('Qwen2.5-3B-Instruct', quantization));
  const why = caps.shaderF16
    ? 'the GPU supports shader-f16'
    : 'the GPU lacks shader-f16, so the f32 build is used';
  const size =
    pick.family === 'Qwen2.5-3B-Instruct'
      ? 'the default model'
      : `a smaller model, because the default needs more than ${caps.vramBudgetMB} MB of GPU memory`;
  return { modelId: pick.id, reason: `${pick.id} is ${size}; ${why}.` };
}

/** The default assignment: one recommended model serving both roles. */
export function defaultAssignment(
  caps: GpuCapabilities,
  entries: readonly CatalogEntry[] = catalog,
): RoleAssignment {
  const { modelId } = recommendModel(caps, entries);
  return { manager: modelId, answer: modelId };
}

/** The distinct model ids an assignment loads (one when both roles share a model). */
export function modelsToLoad(assignment: RoleAssignment): string[] {
  return [...new Set([assignment.manager, assignment.answer])];
}

/**
 * Above this much GPU memory (MB) for two role models together, the user is warned before they load. WebGPU does not
 * report VRAM, so this is no budget and nothing is refused: 4 GB is the memory of the smallest discrete GPUs still in
 * common use and about what an integrated GPU may take on an 8 GB machine (Windows lends it half the RAM), and it is
 * more than any single catalog model needs (2.9 GB at most), so the default of one shared model never warns.
 */
export const TWO_MODELS_WARNING_MB = 4096;

/** What two role models need of GPU memory together, and the warning to show before loading them. */
export interface RolesFit {
  /** The distinct models to load (one when both roles share a model). */
  modelIds: string[];
  /** The summed `vramMB` of the models that state one. */
  totalMB: number;
  /** Models that state no `vramMB` (custom models may not). */
  unknown: string[];
  /** Set when two models may not fit together: their known need exceeds the threshold, or a need is unknown. */
  warning?: string;
}

/**
 * Adds up the GPU memory the models of an assignment need (a shared model counts once) and, for two different
 * models, warns when they may not fit together. Never refuses: loading failures are reported by the loader.
 * @example checkRolesFitTogether({ manager: 'a', answer: 'b' }, () => 2500).warning
 * // => 'The two models need about 4.9 GB of GPU memory together; if loading fails, use one model for both roles or smaller models.'
 */
export function checkRolesFitTogether(
  assignment: RoleAssignment,
  vramMBOf: (modelId: string) => number | undefined,
  warnAboveMB = TWO_MODELS_WARNING_MB,
): RolesFit {
  const modelIds = modelsToLoad(assignment);
  const unknown = modelIds.filter((id) => vramMBOf(id) === undefined);
  const totalMB = modelIds.reduce((sum, id) => sum + (vramMBOf(id) ?? 0), 0);
  const fit: RolesFit = { modelIds, totalMB, unknown };
  if (modelIds.length < 2) return fit;
  const advice = 'if loading fails, use one model for both roles or smaller models.';
  if (totalMB > warnAboveMB) {
    const amount = unknown.length === 0 ? 'about' : 'more than';
    fit.warning = `The two models need ${amount} ${formatSize(totalMB)} of GPU memory together; ${advice}`;
  } else if (unknown.length > 0) {
    fit.warning = `The GPU memory needed by ${unknown.join(' and ')} is unknown, and both role models load together; ${advice}`;
  }
  return fit;
}
