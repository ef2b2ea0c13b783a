/**
 * The Settings fields of the On-device (CPU) provider: the model (a catalog id from the list, or the URL of a GGUF)
 * and how many threads llama.cpp gets on this page, with the reason when it is only one. Also the one-sentence
 * description of each provider under the Provider choice.
 */
import { html, type TemplateResult } from 'lit';
import { CPU_CATALOG, DEFAULT_CPU_MODEL_ID } from '../protocol/cpu-catalog';
import type { CpuThreading } from '../core/cpu-threads';
import type { Provider } from '../protocol/settings';
import { textField } from './form-fields';

/** What each provider does, shown under the Provider choice. */
export const PROVIDER_HINTS: Readonly<Record<Provider, string>> = {
  'on-device': 'Runs the model in this browser on your GPU (WebGPU). Nothing leaves the device.',
  cpu: 'Runs a GGUF model in this browser on the processor (llama.cpp in WebAssembly), for browsers without WebGPU. Much slower than the GPU. Nothing leaves the device.',
  local:
    'Uses an OpenAI-compatible server on this machine (llama.cpp, Ollama, vLLM). Only localhost is allowed.',
};

/** What the CPU fields show and where changes go. */
export interface CpuFieldsOptions {
  cpuModel: string;
  /** The refusal of the model field, when Save refused it. */
  error: string;
  /** How the engine runs here; undefined when unknown. */
  threading?: CpuThreading;
  onModel(value: string): void;
  onManage(): void;
}

/** The On-device (CPU) model field with the catalog as suggestions, the threads line and the model manager link. */
export function cpuFields(o: CpuFieldsOptions): TemplateResult {
  const t = o.threading;
  return html`${textField({
      id: 'cpuModel',
      label: 'CPU model',
      value: o.cpuModel,
      list: 'cpu-catalog',
      placeholder: DEFAULT_CPU_MODEL_ID,
      hint: 'A model from the list, or the URL of a .gguf file on Hugging Face or on this machine. Empty: the smallest model of the list.',
      error: o.error,
      onInput: o.onModel,
    })}
    <datalist id="cpu-catalog">
      ${CPU_CATALOG.map(
        (e) =>
          html`<option
            value=${e.id}
            label="${e.label}: ${e.sizeMB} MB download, ${e.ramMB} MB memory"
          ></option>`,
      )}
    </datalist>
    <p class="hint" id="cpu-threads">
      ${
        t === undefined
          ? ''
          : t.multiThread
            ? `Multi-threaded: llama.cpp runs on ${t.threads} threads here (this page is cross-origin isolated).`
            : `Single-threaded: ${t.notice ?? 'this device has one core.'}`
      }
      <button type="button" class="link" @click=${o.onManage}>Manage models</button>
    </p>`;
}
