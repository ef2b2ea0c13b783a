/**
 * `<mr-settings>`: provider (On-device / On-device (CPU) with its model and threads / Local server with Server URL
 * and Model), a model per role, the embedding
 * model, the user's name (the speaker of their memories), memory on/off, when a pass that forgets many memories
 * waits for review, Export memories / Import memories, storage usage, Clear all data (with confirmation) and the
 * app's version.
 * Values are validated on Save; an invalid field is marked and its message says what to enter instead.
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { Task } from '@lit/task';
import { parseImportFile } from '../agent/import-file';
import type { CpuModelService } from '../agent/cpu-models-client';
import type { MemoryService } from '../agent/memory-worker-client';
import {
  DEFAULT_SPEAKER,
  NO_EMBEDDINGS,
  PROVIDER_NAMES,
  SettingsError,
  validateSettings,
  type Settings,
} from '../protocol/settings';
import { EMBEDDING_MODELS } from '../core/embedding-models';
import { cpuModelContext, memoryContext, modelContext, settingsContext } from './context';
import { cpuFields, PROVIDER_HINTS } from './cpu-settings';
import { mrEvent } from './events';
import { formatBytes } from './format';
import { serverFields, textField } from './form-fields';
import type { ModelService } from '../protocol/model-protocol';
import { reviewFields } from './review-settings';
import { roleModelSuggestions } from './role-model-suggestions';
import { pageStyles, sharedStyles } from './shared.styles';
import { version } from '../../package.json';
import { errorMessage } from '../core/errors';

declare global {
  interface ImportMetaEnv {
    /** Set at build time to show another version than package.json's (the update end-to-end test builds two). */
    readonly VITE_APP_VERSION?: string;
  }
}

/** The version shown at the bottom of Settings. */
const APP_VERSION = import.meta.env.VITE_APP_VERSION ?? version;

/**
 * The settings page.
 * @fires mr-settings-change - the user saved valid settings
 * @fires mr-clear-all - the user confirmed deleting all data
 * @fires mr-navigate - the user opened the model manager
 */
export class MrSettings extends LitElement {
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      form,
      section {
        max-width: 40rem;
      }
      h1 {
        margin: 0 0 1rem;
        font-size: 1.4rem;
      }
      h2 {
        font-size: 1.1rem;
        margin: 1.75rem 0 0.5rem;
      }
      .field {
        margin-bottom: 1rem;
      }
      .field input:not([type='checkbox']),
      .field select {
        width: 100%;
      }
      .check {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      .check label {
        margin: 0;
      }
      .row {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
      }
      [aria-invalid='true'] {
        border-color: var(--mr-danger);
      }
      dialog {
        border: 1px solid var(--mr-border);
        border-radius: var(--mr-radius);
        background: var(--mr-bg);
        color: var(--mr-text);
        max-width: 28rem;
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 45%);
      }
    `,
  ];

  @consume({ context: memoryContext }) private memory?: MemoryService;
  @consume({ context: modelContext }) private models?: ModelService;
  @consume({ context: cpuModelContext }) private cpuModels?: CpuModelService;
  @consume({ context: settingsContext, subscribe: true }) @state() private settings?: Settings;

  @state() private draft?: Settings;
  @state() private fieldError?: { field: string; message: string };
  @state() private status = '';
  @state() private dataStatus = '';
  @state() private usage = '';

  /** Custom models (added in the model manager), offered as role choices; none when they cannot be read. */
  private readonly customModels = new Task(this, {
    task: async () => (this.models ? this.models.customModels().catch(() => []) : []),
    args: () => [],
  });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.estimateStorage();
  }

  private get form(): Settings | undefined {
    return this.draft ?? this.settings;
  }

  override render() {
    const s = this.form;
    if (!s) return nothing;
    const err = (field: string) => (this.fieldError?.field === field ? this.fieldError.message : '');
    return html`
      <h1 tabindex="-1">Settings</h1>
      <form @submit=${this.save} novalidate>
        <div class="field">
          <label for="provider">Provider</label>
          <select
            id="provider"
            @change=${(e: Event) => this.set({ provider: value(e) as Settings['provider'] })}
          >
            ${(['on-device', 'cpu', 'local'] as const).map(
              (p) => html`<option value=${p} ?selected=${s.provider === p}>${PROVIDER_NAMES[p]}</option>`,
            )}
          </select>
          <p class="hint" id="provider-hint">${PROVIDER_HINTS[s.provider]}</p>
        </div>
        ${
          s.provider === 'cpu'
            ? cpuFields({
                cpuModel: s.cpuModel,
                error: err('cpuModel'),
                threading: this.cpuModels?.threading(),
                onModel: (cpuModel) => this.set({ cpuModel }),
                onManage: () => this.dispatchEvent(mrEvent('mr-navigate', { view: 'models' })),
              })
            : s.provider === 'local'
              ? serverFields({
                  ids: { baseUrl: 'baseUrl', model: 'model' },
                  baseUrl: s.baseUrl,
                  model: s.model,
                  error: this.fieldError,
                  onBaseUrl: (baseUrl) => this.set({ baseUrl }),
                  onModel: (model) => this.set({ model }),
                })
              : html`<div class="field">
                  <p class="hint">
                    On-device model: ${s.onDeviceModel || 'the recommended model for this device'}.
                    <button
                      type="button"
                      class="link"
                      @click=${() => this.dispatchEvent(mrEvent('mr-navigate', { view: 'models' }))}
                    >
                      Manage models
                    </button>
                  </p>
                </div>`
        }
        <h2>Models per role</h2>
        ${textField({
          id: 'managerModel',
          label: 'Memory Manager model',
          value: s.managerModel,
          list: 'role-models',
          placeholder: 'Same as the chat model',
          hint: 'Decides what to remember after each of your messages. Empty: the chat model.',
          error: err('managerModel'),
          onInput: (managerModel) => this.set({ managerModel }),
        })}
        ${textField({
          id: 'answerModel',
          label: 'Answer Agent model',
          value: s.answerModel,
          list: 'role-models',
          placeholder: 'Same as the chat model',
          hint: 'Writes the replies, using your memories. Empty: the chat model.',
          error: err('answerModel'),
          onInput: (answerModel) => this.set({ answerModel }),
        })}
        <datalist id="role-models">
          ${roleModelSuggestions(
            s,
            (this.customModels.value ?? []).map((m) => m.id),
          ).map((o) => html`<option value=${o.value} label=${o.label ?? nothing}></option>`)}
        </datalist>
        <div class="field">
          <label for="embeddingModel">Embedding model</label>
          <select id="embeddingModel" @change=${(e: Event) => this.set({ embeddingModel: value(e) })}>
            ${EMBEDDING_MODELS.map(
              (m, i) =>
                html`<option
                  value=${i === 0 ? '' : m.id}
                  ?selected=${(s.embeddingModel || EMBEDDING_MODELS[0]?.id) === m.id}
                >
                  ${m.label}${m.downloadMb ? ` (${m.downloadMb} MB)` : ''}
                </option>`,
            )}
            <option value=${NO_EMBEDDINGS} ?selected=${s.embeddingModel === NO_EMBEDDINGS}>
              None (keyword search only)
            </option>
          </select>
          <p class="hint">
            Finds related memories by meaning. Downloaded once from Hugging Face; the bundled one comes from
            this app.
          </p>
        </div>
        ${textField({
          id: 'userName',
          label: 'Your name',
          value: s.userName,
          autocomplete: 'name',
          hint: `Your memories are written under this name, for example "Ana likes green tea". Empty: "${DEFAULT_SPEAKER}". Memories you already have keep the name they had.`,
          error: err('userName'),
          onInput: (userName) => this.set({ userName }),
        })}
        <div class="field check">
          <input
            id="memoryEnabled"
            type="checkbox"
            .checked=${s.memoryEnabled}
            @change=${(e: Event) => this.set({ memoryEnabled: (e.target as HTMLInputElement).checked })}
          />
          <label for="memoryEnabled">Remember things from my messages</label>
        </div>
        ${reviewFields({ settings: s, error: err, onChange: (change) => this.set(change) })}
        <div class="row">
          <button type="submit" class="primary">Save</button>
          <span role="status">${this.status}</span>
        </div>
      </form>
      <section aria-labelledby="data-heading">
        <h2 id="data-heading">Your data</h2>
        <p class="hint">Storage used by this app: ${this.usage || 'unknown'}.</p>
        <div class="row">
          <button type="button" @click=${this.exportMemories}>Export memories</button>
          <button
            type="button"
            @click=${() => this.renderRoot.querySelector<HTMLInputElement>('#import-file')?.click()}
          >
            Import memories
          </button>
          <input
            id="import-file"
            type="file"
            accept="application/json,.json"
            hidden
            aria-hidden="true"
            tabindex="-1"
            @change=${this.importMemories}
          />
        </div>
        <p role="status">${this.dataStatus}</p>
        <h2>Danger zone</h2>
        <button type="button" class="danger" @click=${this.askClear}>Clear all data</button>
        <dialog id="confirm-clear" aria-labelledby="confirm-title">
          <h2 id="confirm-title">Delete everything?</h2>
          <p>
            This deletes every memory, its history, all conversations and your settings from this browser.
            Export your memories first if you may want them back.
          </p>
          <div class="row">
            <button type="button" class="danger primary" @click=${this.confirmClear}>
              Delete everything
            </button>
            <button type="button" @click=${this.closeDialog}>Cancel</button>
          </div>
        </dialog>
      </section>
      <p class="hint">Memory-R1 version ${APP_VERSION}</p>
    `;
  }

  private set(change: Partial<Settings>): void {
    const base = this.form;
    if (!base) return;
    this.draft = { ...base, ...change };
    this.status = '';
  }

  private async save(e: Event): Promise<void> {
    e.preventDefault();
    const s = this.form;
    if (!s) return;
    try {
      const valid = validateSettings({ ...s, onboarded: s.provider === 'on-device' ? s.onboarded : true });
      this.fieldError = undefined;
      this.draft = undefined;
      this.dispatchEvent(mrEvent('mr-settings-change', { settings: valid }));
      this.status = 'Saved.';
    } catch (err) {
      if (err instanceof SettingsError) {
        this.fieldError = { field: err.field, message: err.message };
        this.status = '';
        await this.updateComplete;
        this.renderRoot.querySelector<HTMLElement>(`#${err.field}`)?.focus();
      } else throw err;
    }
  }

  private async exportMemories(): Promise<void> {
    if (!this.memory) return;
    try {
      const data = await this.memory.call('exportMemories', null);
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `memories-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.dataStatus = `Exported ${data.memories.length} memories.`;
    } catch (err) {
      this.dataStatus = `Export failed: ${errorMessage(err)}`;
    }
  }

  private async importMemories(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file || !this.memory) return;
    let data: unknown;
    try {
      data = parseImportFile(file.name, await file.text());
    } catch (err) {
      this.dataStatus = `Import failed: ${errorMessage(err)}`;
      return;
    }
    try {
      const report = await this.memory.call('importMemories', { data });
      const conflicts = report.conflicts.length
        ? `, ${report.conflicts.length} conflicts left unchanged`
        : '';
      this.dataStatus = `Imported ${report.added} memories (${report.skipped} already present${conflicts}).`;
      void this.estimateStorage();
    } catch (err) {
      this.dataStatus = `Import failed, nothing was changed: ${errorMessage(err)}`;
    }
  }

  private askClear(): void {
    this.renderRoot.querySelector<HTMLDialogElement>('#confirm-clear')?.showModal();
  }

  private closeDialog(): void {
    this.renderRoot.querySelector<HTMLDialogElement>('#confirm-clear')?.close();
  }

  private confirmClear(): void {
    this.closeDialog();
    this.dispatchEvent(mrEvent('mr-clear-all', {}));
    this.dataStatus = 'All data deleted.';
    void this.estimateStorage();
  }

  private async estimateStorage(): Promise<void> {
    try {
      const { usage } = await navigator.storage.estimate();
      this.usage = usage === undefined ? '' : formatBytes(usage);
    } catch {
      this.usage = '';
    }
  }
}

function value(e: Event): string {
  return (e.target as HTMLInputElement | HTMLSelectElement).value;
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-settings': MrSettings;
  }
}
