/**
 * `<mr-model-manager>`: the on-device model catalog with what is cached (usable offline), download with progress,
 * delete, which model is in use, and custom models added by URL (form with inline field errors, file check, removal);
 * then the On-device (CPU) models (`<mr-cpu-models>`).
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { Task } from '@lit/task';
import type { Progress } from '../core/progress';
import type { Settings } from '../protocol/settings';
import { isAbortError, errorMessage } from '../core/errors';
import { modelContext, settingsContext } from './context';
import { mrEvent } from './events';
import { textField } from './form-fields';
import type { CatalogItem, CustomModelForm, ModelService } from '../protocol/model-protocol';
import { pageStyles, sharedStyles } from './shared.styles';

/**
 * The model manager.
 * @fires mr-settings-change - the user chose a model to use
 * @fires mr-navigate - the user opened the Benchmark view
 */
export class MrModelManager extends LitElement {
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      h1 {
        font-size: 1.4rem;
        margin: 0 0 0.75rem;
      }
      ul {
        list-style: none;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
        max-width: 48rem;
      }
      li {
        border: 1px solid var(--mr-border);
        border-radius: var(--mr-radius);
        padding: 0.6rem 0.75rem;
        background: var(--mr-surface);
      }
      .row {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
        margin-top: 0.4rem;
      }
      .badge {
        font-size: 0.8rem;
        padding: 0.05rem 0.45rem;
        border-radius: 999px;
        background: var(--mr-surface-2);
      }
      form {
        max-width: 40rem;
      }
      .field {
        margin-bottom: 0.75rem;
      }
      .field input:not([type='checkbox']) {
        width: 100%;
      }
      .check {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 0;
      }
      .check label {
        margin: 0;
      }
      [aria-invalid='true'] {
        border-color: var(--mr-danger);
      }
    `,
  ];

  @consume({ context: modelContext }) private models?: ModelService;
  @consume({ context: settingsContext, subscribe: true }) @state() private settings?: Settings;

  @state() private downloading?: { id: string; progress: Progress };
  @state() private error = '';
  @state() private customForm: CustomModelForm = EMPTY_FORM;
  @state() private fieldErrors: Record<string, string> = {};
  @state() private customStatus = '';
  @state() private checking?: { id: string; text: string; ok?: boolean };

  /** True once the user set the shader-f16 box themselves (it no longer follows the ID and URLs). */
  private shaderF16Chosen = false;

  private controller?: AbortController;

  private readonly list = new Task(this, {
    task: async () => {
      if (!this.models) throw new Error('The model service is not available.');
      return this.models.catalog();
    },
    args: () => [],
  });

  override render() {
    return html`
      <h1 tabindex="-1">Models</h1>
      <p class="hint">
        On-device models run in this browser with WebGPU. A downloaded model works offline. Sizes are the GPU
        memory each needs.
        <button
          class="link"
          @click=${() => this.dispatchEvent(mrEvent('mr-navigate', { view: 'benchmark' }))}
        >
          Benchmark the current model
        </button>
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.list.render({
        pending: () => html`<p role="status">Loading the catalog…</p>`,
        error: (err) => html`<p class="error" role="alert">The catalog could not be read: ${String(err)}</p>`,
        complete: (items) =>
          html`<ul aria-label="Model catalog">
            ${items.map((m) => this.renderItem(m))}
          </ul>`,
      })}
      ${this.renderCustomForm()}
      <mr-cpu-models></mr-cpu-models>
    `;
  }

  private renderCustomForm() {
    const f = this.customForm;
    const field = (
      name: TextFieldName,
      label: string,
      hint: string,
      attrs: { type?: 'text' | 'url'; inputmode?: 'url' | 'numeric' } = {},
    ) => {
      const err = this.fieldErrors[name];
      return textField({
        id: `custom-${name}`,
        label,
        value: f[name],
        hint,
        error: err ? `${label} ${err}.` : '',
        ...attrs,
        onInput: (value) => this.editCustom({ [name]: value }),
      });
    };
    return html`<section aria-labelledby="custom-heading">
      <h2 id="custom-heading">Add custom model</h2>
      <p class="hint">
        A model converted to MLC format (for example a fine-tuned Memory-R1 checkpoint). The app may only
        fetch from Hugging Face, raw.githubusercontent.com or a server on this machine.
      </p>
      <form @submit=${this.addCustom} novalidate>
        ${field(
          'id',
          'Model ID',
          'Letters, digits, ".", "_" or "-", for example Memory-R1-Qwen2.5-3B-q4f32_1-MLC.',
        )}
        ${field(
          'modelUrl',
          'Model URL',
          'Where mlc-chat-config.json and the weights are, for example https://huggingface.co/me/my-model.',
          { type: 'url', inputmode: 'url' },
        )}
        ${field('modelLibUrl', 'Model library URL', 'The compiled WebGPU model library (.wasm).', {
          type: 'url',
          inputmode: 'url',
        })}
        ${field('contextWindow', 'Context window (optional)', "In tokens. Empty: the model's own setting.", {
          inputmode: 'numeric',
        })}
        ${field(
          'vramMB',
          'GPU memory needed (MB)',
          'Optional, for example 2500. Used to warn when two models may not fit in GPU memory together. Empty: unknown.',
          { inputmode: 'numeric' },
        )}
        <div class="field check">
          <input
            id="custom-needsShaderF16"
            type="checkbox"
            .checked=${f.needsShaderF16}
            aria-describedby="custom-needsShaderF16-msg"
            @change=${(e: Event) => {
              this.shaderF16Chosen = true;
              this.customForm = {
                ...this.customForm,
                needsShaderF16: (e.target as HTMLInputElement).checked,
              };
            }}
          />
          <label for="custom-needsShaderF16">Needs shader-f16 (q4f16 builds)</label>
        </div>
        <p class="hint" id="custom-needsShaderF16-msg">
          Models quantized as q4f16 run only on GPUs with WebGPU's shader-f16 feature; the app then checks for
          it before loading. Ticked by itself when the ID or a URL contains "q4f16".
        </p>
        <div class="row">
          <button type="submit" class="primary">Add model</button>
          <span role="status">${this.customStatus}</span>
        </div>
      </form>
    </section>`;
  }

  /**
   * Applies a change to the custom model form; until the user sets the shader-f16 box themselves, it follows
   * whether the ID or a URL names a q4f16 build.
   */
  private editCustom(change: Partial<Record<TextFieldName, string>>): void {
    const form = { ...this.customForm, ...change };
    if (!this.shaderF16Chosen) {
      form.needsShaderF16 = /q4f16/i.test(`${form.id} ${form.modelUrl} ${form.modelLibUrl}`);
    }
    this.customForm = form;
  }

  private renderItem(m: CatalogItem) {
    const inUse = this.settings?.provider === 'on-device' && this.settings.onDeviceModel === m.id;
    const busy = this.downloading?.id === m.id;
    return html`<li>
      <strong>${m.id}</strong>
      <span class="badge">${m.tier}</span>
      ${m.cached ? html`<span class="badge">Downloaded</span>` : nothing}
      ${inUse ? html`<span class="badge">In use</span>` : nothing}
      <div class="hint">${m.vramMB ? `${Math.round(m.vramMB).toLocaleString()} MB GPU memory` : ''}</div>
      ${
        m.tier === 'custom'
          ? html`<div class="row">
                <button
                  ?disabled=${this.checking?.id === m.id && this.checking.ok === undefined}
                  @click=${() => this.checkCustom(m.id)}
                  aria-label="Check files of ${m.id}"
                >
                  Check files
                </button>
                <button
                  class="danger"
                  ?disabled=${busy}
                  @click=${() => this.removeCustom(m.id)}
                  aria-label="Remove custom model ${m.id}"
                >
                  Remove custom model
                </button>
              </div>
              ${
                this.checking?.id === m.id
                  ? html`<p class=${this.checking.ok === false ? 'error' : 'hint'} role="status">
                      ${this.checking.text}
                    </p>`
                  : nothing
              }`
          : nothing
      }
      ${
        busy && this.downloading
          ? html`<label for="p-${m.id}">Downloading ${m.id}</label>
              <progress id="p-${m.id}" max="1" .value=${this.downloading.progress.fraction}></progress>
              <p class="hint" role="status">${this.downloading.progress.text}</p>
              <button @click=${() => this.controller?.abort()}>Cancel download</button>`
          : html`<div class="row">
              ${
                m.cached
                  ? html`${inUse ? nothing : html`<button @click=${() => this.use(m.id)}>Use ${m.family}</button>`}
                      <button
                        class="danger"
                        @click=${() => this.removeDownload(m.id)}
                        aria-label="Remove downloaded ${m.id}"
                      >
                        Remove download
                      </button>`
                  : html`<button ?disabled=${!!this.downloading} @click=${() => this.download(m.id)}>
                      Download ${m.tier === 'custom' ? m.id : `${m.family} (${m.quantization})`}
                    </button>`
              }
            </div>`
      }
    </li>`;
  }

  private async download(id: string): Promise<void> {
    if (!this.models) return;
    this.controller = new AbortController();
    this.error = '';
    this.downloading = { id, progress: { fraction: 0, text: 'Starting download…' } };
    try {
      await this.models.download(id, {
        signal: this.controller.signal,
        onProgress: (progress) => (this.downloading = { id, progress }),
      });
    } catch (err) {
      this.error = isAbortError(err) ? 'Download cancelled. Finished files are kept.' : errorMessage(err);
    } finally {
      this.downloading = undefined;
      void this.list.run();
    }
  }

  private async removeDownload(id: string): Promise<void> {
    if (!this.models) return;
    try {
      await this.models.deleteModel(id);
    } catch (err) {
      this.error = errorMessage(err);
    }
    void this.list.run();
  }

  private async addCustom(e: Event): Promise<void> {
    e.preventDefault();
    if (!this.models) return;
    this.customStatus = '';
    try {
      const result = await this.models.addCustomModel(this.customForm);
      if (!result.ok) {
        this.fieldErrors = result.fieldErrors;
        this.customStatus = 'Fix the marked fields.';
        await this.updateComplete;
        const first = FORM_FIELDS.find((name) => result.fieldErrors[name]);
        this.renderRoot.querySelector<HTMLElement>(`#custom-${first ?? 'id'}`)?.focus();
        return;
      }
      this.fieldErrors = {};
      this.customForm = EMPTY_FORM;
      this.shaderF16Chosen = false;
      this.customStatus = `Added ${result.model.id}. Download it below, or choose it for a role in Settings.`;
      void this.list.run();
    } catch (err) {
      this.customStatus = `The model could not be saved: ${errorMessage(err)}`;
    }
  }

  private async checkCustom(id: string): Promise<void> {
    if (!this.models) return;
    this.checking = { id, text: `Checking the files of ${id}…` };
    try {
      const text = await this.models.checkCustomModel(id, {});
      this.checking = { id, text, ok: true };
    } catch (err) {
      this.checking = { id, text: errorMessage(err), ok: false };
    }
  }

  private async removeCustom(id: string): Promise<void> {
    if (!this.models) return;
    this.error = '';
    try {
      await this.models.removeCustomModel(id);
      if (this.checking?.id === id) this.checking = undefined;
      this.customStatus = `Removed ${id}.`;
    } catch (err) {
      this.error = errorMessage(err);
    }
    void this.list.run();
  }

  private use(id: string): void {
    if (!this.settings) return;
    this.dispatchEvent(
      mrEvent('mr-settings-change', {
        settings: { ...this.settings, provider: 'on-device', onDeviceModel: id, onboarded: true },
      }),
    );
  }
}

/** The custom model form's text fields. */
type TextFieldName = Exclude<keyof CustomModelForm, 'needsShaderF16'>;

const EMPTY_FORM: CustomModelForm = {
  id: '',
  modelUrl: '',
  modelLibUrl: '',
  contextWindow: '',
  vramMB: '',
  needsShaderF16: false,
};
const FORM_FIELDS: TextFieldName[] = ['id', 'modelUrl', 'modelLibUrl', 'contextWindow', 'vramMB'];

declare global {
  interface HTMLElementTagNameMap {
    'mr-model-manager': MrModelManager;
  }
}
