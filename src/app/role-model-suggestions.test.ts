import { describe, expect, it } from 'vitest';
import { CPU_CATALOG } from '../protocol/cpu-catalog';
import { DEFAULT_SETTINGS, type Settings } from '../protocol/settings';
import { roleModelSuggestions } from './role-model-suggestions';

const settings = (change: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...change });

describe('roleModelSuggestions', () => {
  it('suggests the CPU catalog ids and the CPU model in use under On-device (CPU), never GPU or server names', () => {
    const url = 'http://127.0.0.1:8000/memory-r1.gguf';
    const values = roleModelSuggestions(
      settings({ provider: 'cpu', cpuModel: url, model: 'server-model', onDeviceModel: 'gpu-model' }),
      ['custom-gpu'],
    ).map((s) => s.value);
    expect(values).toEqual([url, ...CPU_CATALOG.map((e) => e.id)]);
  });

  it('lists a catalog id chosen as the CPU model once', () => {
    const id = CPU_CATALOG[1]?.id ?? '';
    const values = roleModelSuggestions(settings({ provider: 'cpu', cpuModel: id })).map((s) => s.value);
    expect(values.filter((v) => v === id)).toHaveLength(1);
  });

  it('keeps the on-device model and the custom models under On-device (GPU)', () => {
    const list = roleModelSuggestions(
      settings({ provider: 'on-device', onDeviceModel: 'gpu-model', model: 'server-model' }),
      ['gpu-model', 'my-model'],
    );
    expect(list).toEqual([{ value: 'gpu-model' }, { value: 'my-model', label: 'Custom model: my-model' }]);
  });

  it('suggests only the server model under Local server', () => {
    const list = roleModelSuggestions(settings({ provider: 'local', model: 'qwen', onDeviceModel: '' }), [
      'my-model',
    ]);
    expect(list).toEqual([{ value: 'qwen' }]);
  });
});
