/**
 * What the Models-per-role fields suggest: model names the chosen provider can run. On-device (CPU) suggests the CPU
 * catalog and the CPU model in use; On-device (GPU) its model and the custom models; Local server its model.
 */
import { CPU_CATALOG } from '../protocol/cpu-catalog';
import type { Settings } from '../protocol/settings';

/** One `<option>` of the role-model `<datalist>`. */
export interface RoleModelSuggestion {
  value: string;
  label?: string;
}

/** The suggestions for the role-model fields under `settings.provider`, without duplicates. */
export function roleModelSuggestions(
  settings: Settings,
  customModelIds: readonly string[] = [],
): RoleModelSuggestion[] {
  const list: RoleModelSuggestion[] =
    settings.provider === 'cpu'
      ? [
          { value: settings.cpuModel },
          ...CPU_CATALOG.map((e) => ({ value: e.id, label: `${e.label}: ${e.sizeMB} MB download` })),
        ]
      : settings.provider === 'on-device'
        ? [
            { value: settings.onDeviceModel },
            ...customModelIds.map((id) => ({ value: id, label: `Custom model: ${id}` })),
          ]
        : [{ value: settings.model }];
  const seen = new Set<string>();
  return list.filter((s) => s.value !== '' && !seen.has(s.value) && seen.add(s.value));
}
