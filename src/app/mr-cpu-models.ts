/**
 * `<mr-cpu-models>`: the On-device (CPU) part of the model manager. The CPU catalog and the custom GGUFs in the cache,
 * each with its download size, the memory it needs, what is stored (a partial download resumes), Download, Use and
 * Delete; and a form to add a GGUF by URL, which is checked (a GGUF, an architecture llama.cpp can chat with, small
 * enough) before it downloads. Errors are the engine's, saying what to do.
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { Task } from '@lit/task';
import { DEFAULT_CPU_MODEL_ID } from '../protocol/cpu-catalog';
import type { CpuModelItem, CpuModelService } from '../agent/cpu-models-client';
import type { Settings } from '../protocol/settings';
import { isAbortError } from '../core/errors';
import type { Progress } from '../core/progress';
import { cpuModelContext, settingsContext } from './context';
import { mrEvent } from './events';
import { textField } from './form-fields';
import { sharedStyles } from './shared.styles';

const MB = 1024 * 1024;

/**
 * The CPU models section.
 * @fires mr-settings-change - the user chose a CPU model to use
 */
export class MrCpuModels extends LitElement {
  static override styles = [
    sharedStyles,
    css`
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
      .field input {
        width: 100%;
      }
      [aria-invalid='true'] {
        border-color: var(--mr-danger);
      }
    `,
  ];

  @consume({ context: cpuModelContext }) private models?: CpuModelService;
  @consume({ context: settingsContext, subscribe: true }) @state() private settings?: Settings;

  @state() private downloading?: { choice: string } & Progress;
  @state() private error = '';
  @state() private url = '';
  @state() private urlError = '';
  @state() private status = '';

  private controller?: AbortController;

  private readonly list = new Task(this, {
    task: async () => {
      if (!this.models) throw new Error('The CPU model service is not available.');
      return this.models.models();
    },
    args: () => [],
  });

  override render() {
    return html`<section aria-labelledby="cpu-heading">
      <h2 id="cpu-heading">On-device (CPU) models</h2>
      <p class="hint">
        For browsers without WebGPU: llama.cpp runs GGUF models on the processor, in this browser. Much slower
        than the GPU; start with the 0.5B model. Sizes are the download and the memory each needs while
        running.
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.list.render({
        pending: () => html`<p role="status">Reading the CPU models…</p>`,
        error: (err) =>
          html`<p class="error" role="alert">The CPU models could not be read: ${message(err)}</p>`,
        complete: (items) =>
          html`<ul aria-label="CPU models">
            ${items.map((m) => this.renderItem(m))}
          </ul>`,
      })}
      <form @submit=${this.addUrl} novalidate>
        ${textField({
          id: 'gguf-url',
          label: 'Add a GGUF by URL',
          value: this.url,
          type: 'url',
          inputmode: 'url',
          hint: 'A single .gguf file on Hugging Face (…/resolve/main/model.gguf) or on this machine (http://localhost:…), for example a Memory-R1 checkpoint converted with llama.cpp.',
          error: this.urlError,
          onInput: (value) => {
            this.url = value;
            this.urlError = '';
          },
        })}
        <div class="row">
          <button type="submit" ?disabled=${this.downloading !== undefined}>Check and download</button>
          <span role="status">${this.status}</span>
        </div>
      </form>
    </section>`;
  }

  private renderItem(m: CpuModelItem) {
    const inUse =
      this.settings?.provider === 'cpu' && (this.settings.cpuModel || DEFAULT_CPU_MODEL_ID) === m.choice;
    const busy = this.downloading?.choice === m.choice;
    const partial = !m.availableOffline && m.cachedBytes > 0;
    const sizes = [
      m.sizeMB !== undefined ? `${m.sizeMB.toLocaleString()} MB download` : '',
      m.ramMB !== undefined ? `${m.ramMB.toLocaleString()} MB memory` : '',
      m.architecture ?? '',
    ].filter(Boolean);
    return html`<li>
      <strong>${m.label}</strong>
      <span class="badge">${m.catalog ? 'catalog' : 'custom'}</span>
      ${m.availableOffline ? html`<span class="badge">Downloaded</span>` : nothing}
      ${partial ? html`<span class="badge">${Math.round(m.cachedBytes / MB)} MB stored</span>` : nothing}
      ${inUse ? html`<span class="badge">In use</span>` : nothing}
      <div class="hint">${sizes.join(' · ')}${m.speed ? html`<br />${m.speed}` : nothing}</div>
      ${
        busy && this.downloading
          ? html`<label for="cpu-p-${m.label}">Downloading ${m.label}</label>
              <progress id="cpu-p-${m.label}" max="1" .value=${this.downloading.fraction}></progress>
              <p class="hint" role="status">${this.downloading.text}</p>
              <button @click=${() => this.controller?.abort()}>Cancel download</button>`
          : html`<div class="row">
              ${
                m.availableOffline
                  ? nothing
                  : html`<button
                      ?disabled=${this.downloading !== undefined}
                      @click=${() => this.download(m.choice)}
                      aria-label="${partial ? 'Resume download of' : 'Download'} ${m.label}"
                    >
                      ${partial ? 'Resume download' : 'Download'}
                    </button>`
              }
              ${
                inUse
                  ? nothing
                  : html`<button @click=${() => this.use(m.choice)} aria-label="Use ${m.label}">Use</button>`
              }
              ${
                m.cachedBytes > 0
                  ? html`<button
                      class="danger"
                      ?disabled=${this.downloading !== undefined}
                      @click=${() => this.deleteModel(m)}
                      aria-label="Delete ${m.label}"
                    >
                      Delete
                    </button>`
                  : nothing
              }
            </div>`
      }
    </li>`;
  }

  private async download(choice: string): Promise<boolean> {
    if (!this.models) return false;
    this.controller = new AbortController();
    this.error = '';
    this.downloading = { choice, fraction: 0, text: 'Checking the file…' };
    try {
      await this.models.download(choice, {
        signal: this.controller.signal,
        onProgress: (p) => (this.downloading = { choice, fraction: p.fraction, text: p.text }),
      });
      return true;
    } catch (err) {
      this.error = isAbortError(err)
        ? 'Download cancelled. What was stored is kept: Resume download continues from there.'
        : message(err);
      return false;
    } finally {
      this.downloading = undefined;
      void this.list.run();
    }
  }

  private async addUrl(e: Event): Promise<void> {
    e.preventDefault();
    const url = this.url.trim();
    if (!/^https?:\/\//i.test(url)) {
      this.urlError = 'Enter the URL of a .gguf file, starting with https:// (or http://localhost).';
      return;
    }
    this.status = '';
    if (await this.download(url)) {
      this.status = 'Downloaded. Choose Use to chat with it.';
      this.url = '';
    }
  }

  private async deleteModel(m: CpuModelItem): Promise<void> {
    if (!this.models) return;
    try {
      await this.models.remove(m.choice);
      this.status = `Deleted ${m.label}.`;
    } catch (err) {
      this.error = message(err);
    }
    void this.list.run();
  }

  private use(choice: string): void {
    if (!this.settings) return;
    this.dispatchEvent(
      mrEvent('mr-settings-change', {
        settings: { ...this.settings, provider: 'cpu', cpuModel: choice, onboarded: true },
      }),
    );
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-cpu-models': MrCpuModels;
  }
}
