/**
 * `<mr-onboarding>`: the first run. Checks whether this browser can run a model on the GPU, recommends one for the
 * device, downloads it with progress, and says when it is ready. Without WebGPU it explains why and offers the
 * Local server provider (an OpenAI-compatible server on this machine) and the On-device (CPU) provider (a small GGUF
 * model run by llama.cpp on the processor, with an honest speed hint).
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { Task } from '@lit/task';
import { DEFAULT_CPU_MODEL_ID } from '../protocol/cpu-catalog';
import type { CpuModelService } from '../agent/cpu-models-client';
import { DEFAULT_BASE_URL, SettingsError, validateSettings, type Settings } from '../protocol/settings';
import { isAbortError, errorMessage } from '../core/errors';
import { cpuModelContext, modelContext, settingsContext } from './context';
import { mrEvent } from './events';
import { serverFields } from './form-fields';
import type { Progress } from '../core/progress';
import type { CapabilityReport, ModelService } from '../protocol/model-protocol';
import { cpuOffer } from './onboarding-cpu';
import { pageStyles, sharedStyles } from './shared.styles';

/**
 * The onboarding flow.
 * @fires mr-settings-change - the user finished setting up a provider
 * @fires mr-navigate - the user is ready to chat
 */
export class MrOnboarding extends LitElement {
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      .card {
        max-width: 40rem;
        margin: 0 auto;
      }
      h1 {
        font-size: 1.5rem;
      }
      h2 {
        font-size: 1.15rem;
        margin-top: 0;
      }
      .panel {
        border: 1px solid var(--mr-border);
        border-radius: var(--mr-radius);
        padding: 0.75rem 1rem;
        margin: 1rem 0;
        background: var(--mr-surface);
      }
      .row {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
      }
      .field {
        margin-bottom: 0.75rem;
      }
      .field input {
        width: 100%;
      }
    `,
  ];

  @consume({ context: modelContext }) private models?: ModelService;
  @consume({ context: cpuModelContext }) private cpuModels?: CpuModelService;
  @consume({ context: settingsContext, subscribe: true }) @state() private settings?: Settings;

  @state() private mode: 'check' | 'local' = 'check';
  @state() private progress?: Progress;
  @state() private downloadError = '';
  @state() private ready = false;
  @state() private localUrl = DEFAULT_BASE_URL;
  @state() private localModel = '';
  @state() private localError?: { field: string; message: string };
  @state() private cpuProgress?: Progress;
  @state() private cpuError = '';
  @state() private cpuReady = false;

  private controller?: AbortController;

  private readonly check = new Task(this, {
    task: async () => {
      if (!this.models) throw new Error('The model service is not available.');
      const report = await this.models.checkCapabilities();
      const recommended = report.ok ? await this.models.recommend(report) : undefined;
      return { report, recommended };
    },
    args: () => [],
  });

  override render() {
    return html`<div class="card">
      <h1 tabindex="-1">Welcome to Memory-R1</h1>
      <p>
        A private assistant that remembers what you tell it. Everything, including its memory, stays in this
        browser. First, choose where the language model runs.
      </p>
      ${this.mode === 'local' ? this.renderLocal() : this.renderCheck()}
    </div>`;
  }

  private renderCheck() {
    return this.check.render({
      pending: () => html`<p role="status">Checking what this device can run…</p>`,
      error: (err) =>
        html`<div class="panel" role="alert">
            <p>The device check failed: ${errorMessage(err)}</p>
            ${this.localOffer()}
          </div>
          ${this.cpuPanel()}`,
      complete: ({ report, recommended }) =>
        report.ok && recommended ? this.renderOnDevice(report, recommended) : this.renderUnsupported(report),
    });
  }

  private renderUnsupported(report: CapabilityReport) {
    return html`<div class="panel" role="alert">
        <h2>This browser cannot run models on the GPU</h2>
        <p>${report.message ?? 'WebGPU is not available.'}</p>
        <p>
          You can still use Memory-R1 with a language model server running on this computer, such as
          llama.cpp, Ollama or vLLM. Your messages go only to that server.
        </p>
        ${this.localOffer()}
      </div>
      ${this.cpuPanel()}`;
  }

  /** The On-device (CPU) offer: download the smallest CPU model, then chat with it. */
  private cpuPanel() {
    return cpuOffer({
      threading: this.cpuModels?.threading(),
      progress: this.cpuProgress,
      error: this.cpuError,
      ready: this.cpuReady,
      onDownload: () => void this.downloadCpu(),
      onCancel: () => this.controller?.abort(),
      onStart: () => this.finishCpu(),
    });
  }

  private async downloadCpu(): Promise<void> {
    if (!this.cpuModels) return;
    this.controller = new AbortController();
    this.cpuError = '';
    this.cpuProgress = { fraction: 0, text: 'Checking the model…' };
    try {
      await this.cpuModels.download(DEFAULT_CPU_MODEL_ID, {
        signal: this.controller.signal,
        onProgress: (p) => (this.cpuProgress = { fraction: p.fraction, text: p.text }),
      });
      this.cpuReady = true;
    } catch (err) {
      this.cpuError = isAbortError(err)
        ? 'Download cancelled. What was stored is kept; downloading again resumes from there.'
        : errorMessage(err);
    } finally {
      this.cpuProgress = undefined;
    }
  }

  private finishCpu(): void {
    if (!this.settings) return;
    const settings: Settings = {
      ...this.settings,
      provider: 'cpu',
      cpuModel: DEFAULT_CPU_MODEL_ID,
      onboarded: true,
    };
    this.dispatchEvent(mrEvent('mr-settings-change', { settings }));
    this.dispatchEvent(mrEvent('mr-navigate', { view: 'chat' }));
  }

  private localOffer() {
    return html`<button class="primary" @click=${this.chooseLocal}>Use a local server</button>`;
  }

  private renderOnDevice(report: CapabilityReport, recommended: { modelId: string; reason: string }) {
    return html`<div class="panel">
        <h2>Your device can run models on the GPU</h2>
        ${report.message ? html`<p class="hint">${report.message}</p>` : nothing}
        <p>Recommended model: <strong>${recommended.modelId}</strong></p>
        <p class="hint">${recommended.reason}</p>
        ${
          this.ready
            ? html`<p role="status"><strong>Ready.</strong> The model is downloaded and works offline.</p>
                <button class="primary" @click=${() => this.finish(recommended.modelId)}>
                  Start chatting
                </button>`
            : this.progress
              ? html`<label for="dl">Downloading ${recommended.modelId}</label>
                  <progress id="dl" max="1" .value=${this.progress.fraction}></progress>
                  <p class="hint" role="status">${this.progress.text}</p>
                  <button @click=${() => this.controller?.abort()}>Cancel download</button>`
              : html`<div class="row">
                  <button class="primary" @click=${() => this.download(recommended.modelId)}>
                    Download and continue
                  </button>
                </div>`
        }
        ${this.downloadError ? html`<p class="error" role="alert">${this.downloadError}</p>` : nothing}
      </div>
      <p class="hint">Prefer a server on this computer? ${this.localOffer()}</p>`;
  }

  private renderLocal() {
    return html`<form class="panel" @submit=${this.saveLocal} novalidate>
      <h2>Use a local server</h2>
      <p class="hint">
        Start an OpenAI-compatible server on this computer (for example
        <code>llama-server -m model.gguf</code> or <code>ollama serve</code>), then enter its address and
        model.
      </p>
      ${serverFields({
        ids: { baseUrl: 'ob-url', model: 'ob-model' },
        baseUrl: this.localUrl,
        model: this.localModel,
        error: this.localError,
        onBaseUrl: (value) => (this.localUrl = value),
        onModel: (value) => (this.localModel = value),
      })}
      <div class="row">
        <button type="submit" class="primary">Use this server</button>
        <button type="button" @click=${() => (this.mode = 'check')}>Back</button>
      </div>
    </form>`;
  }

  private async chooseLocal(): Promise<void> {
    this.mode = 'local';
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('#ob-url')?.focus();
  }

  private async saveLocal(e: Event): Promise<void> {
    e.preventDefault();
    if (!this.settings) return;
    try {
      const settings = validateSettings({
        ...this.settings,
        provider: 'local',
        baseUrl: this.localUrl,
        model: this.localModel,
        onboarded: true,
      });
      this.localError = undefined;
      this.dispatchEvent(mrEvent('mr-settings-change', { settings }));
      this.dispatchEvent(mrEvent('mr-navigate', { view: 'chat' }));
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      this.localError = { field: err.field, message: err.message };
      await this.updateComplete;
      this.renderRoot
        .querySelector<HTMLInputElement>(err.field === 'model' ? '#ob-model' : '#ob-url')
        ?.focus();
    }
  }

  private async download(modelId: string): Promise<void> {
    if (!this.models) return;
    this.controller = new AbortController();
    this.downloadError = '';
    this.progress = { fraction: 0, text: 'Starting download…' };
    try {
      await this.models.download(modelId, {
        signal: this.controller.signal,
        onProgress: (p) => (this.progress = p),
      });
      this.ready = true;
    } catch (err) {
      this.downloadError = isAbortError(err)
        ? 'Download cancelled. Finished files are kept.'
        : errorMessage(err);
    } finally {
      this.progress = undefined;
    }
  }

  private finish(modelId: string): void {
    if (!this.settings) return;
    const settings: Settings = {
      ...this.settings,
      provider: 'on-device',
      onDeviceModel: modelId,
      onboarded: true,
    };
    this.dispatchEvent(mrEvent('mr-settings-change', { settings }));
    this.dispatchEvent(mrEvent('mr-navigate', { view: 'chat' }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-onboarding': MrOnboarding;
  }
}
