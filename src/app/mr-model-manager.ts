/**
 * `<mr-model-manager>`: the on-device model catalog with what is cached (usable offline), download with progress,
 * delete, and which model is in use.
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { Task } from '@lit/task';
import type { Settings } from '../client/settings';
import { isAbortError } from '../core/errors';
import { modelContext, settingsContext } from './context';
import { mrEvent } from './events';
import type { CatalogItem, DownloadProgress, ModelService } from './model-service';
import { sharedStyles } from './shared.styles';

/**
 * The model manager.
 * @fires mr-settings-change - the user chose a model to use
 * @fires mr-navigate - the user opened the Benchmark view
 */
export class MrModelManager extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        padding: 1rem;
        overflow-y: auto;
        height: 100%;
      }
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
    `,
  ];

  @consume({ context: modelContext }) private models?: ModelService;
  @consume({ context: settingsContext, subscribe: true }) @state() private settings?: Settings;

  @state() private downloading?: { id: string; progress: DownloadProgress };
  @state() private error = '';

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
    `;
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
                      Download ${m.family} (${m.quantization})
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
      this.error = isAbortError(err)
        ? 'Download cancelled. Finished files are kept.'
        : String(err instanceof Error ? err.message : err);
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
      this.error = err instanceof Error ? err.message : String(err);
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

declare global {
  interface HTMLElementTagNameMap {
    'mr-model-manager': MrModelManager;
  }
}
