/**
 * `<mr-benchmark>`: measures the current model on the user's own GPU with the LoCoMo validation conversation
 * (conv-30, as in the Memory-R1 paper) from a file the user picks: F1 and BLEU-1 per question category and tokens
 * per second. The run happens in the benchmark worker with a temporary memory bank, so the user's memories are
 * neither read nor changed. A file without conv-30 gets an offer to use its first conversation instead.
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import type { BenchmarkService } from '../agent/benchmark-client';
import { DEFAULT_CPU_MODEL_ID } from '../protocol/cpu-catalog';
import type { Progress } from '../core/progress';
import type { BenchmarkRunResult, LocomoFileInfo } from '../protocol/benchmark-protocol';
import type { Settings } from '../protocol/settings';
import { isAbortError, errorMessage } from '../core/errors';
import { benchmarkContext } from './benchmark-context';
import { settingsContext } from './context';
import { mrEvent } from './events';
import { pageStyles, sharedStyles } from './shared.styles';

/** The conversation Memory-R1 validates on (its "val" split of LoCoMo). */
export const VALIDATION_CONVERSATION = 'conv-30';

/** Where the user can get the file (the LoCoMo dataset's home). */
const LOCOMO_SOURCE = 'locomo10.json from the LoCoMo dataset (github.com/snap-research/locomo, folder data)';

const pct = (value: number | null | undefined): string =>
  typeof value === 'number' ? (value * 100).toFixed(1) : '–';

/**
 * The Benchmark view.
 * @fires mr-navigate - the user asked to change the model (opens Settings)
 */
export class MrBenchmark extends LitElement {
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      section {
        max-width: 48rem;
      }
      h1 {
        font-size: 1.4rem;
        margin: 0 0 0.75rem;
      }
      h2 {
        font-size: 1.1rem;
        margin: 1.25rem 0 0.5rem;
      }
      .field {
        margin: 0.75rem 0;
      }
      .row {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
        margin: 0.75rem 0;
      }
      table {
        border-collapse: collapse;
        width: 100%;
      }
      caption {
        text-align: left;
        font-weight: 600;
        margin-bottom: 0.4rem;
      }
      th,
      td {
        border-bottom: 1px solid var(--mr-border);
        padding: 0.3rem 0.5rem;
        text-align: left;
      }
      td.num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      details {
        margin-top: 1rem;
      }
    `,
  ];

  @consume({ context: benchmarkContext }) private benchmark?: BenchmarkService;
  @consume({ context: settingsContext, subscribe: true }) @state() private settings?: Settings;

  @state() private file?: File;
  @state() private info?: LocomoFileInfo;
  @state() private conversationId?: string;
  /** The first conversation, offered when the file has no conv-30. */
  @state() private offer?: string;
  @state() private reading = false;
  @state() private fileError = '';
  @state() private limit = '';
  @state() private running = false;
  @state() private progress?: Progress;
  @state() private result?: BenchmarkRunResult;
  @state() private runError = '';
  @state() private stopped = false;

  private controller?: AbortController;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.controller?.abort();
  }

  override render() {
    const chosen = this.info?.conversations.find((c) => c.id === this.conversationId);
    return html`<section aria-labelledby="benchmark-title">
      <h1 id="benchmark-title" tabindex="-1">Benchmark</h1>
      <p class="hint">
        Measures how well and how fast the current model answers from memory on your device: the Memory-R1
        paper's validation conversation (${VALIDATION_CONVERSATION} of LoCoMo) is read into a temporary memory
        bank turn by turn, then every question is answered and scored (F1 and BLEU-1 per question category).
        Your own memories are not read or changed.
      </p>
      <p class="hint">
        Model: ${this.modelLabel()}.
        <button class="link" @click=${() => this.dispatchEvent(mrEvent('mr-navigate', { view: 'settings' }))}>
          Change in Settings
        </button>
      </p>
      <div class="field">
        <label for="file">LoCoMo file</label>
        <input
          id="file"
          type="file"
          accept=".json,application/json"
          aria-describedby="file-hint"
          ?disabled=${this.running}
          @change=${this.pickFile}
        />
        <p id="file-hint" class="hint">Pick ${LOCOMO_SOURCE}. It is read on this device only.</p>
      </div>
      ${this.reading ? html`<p role="status">Reading the file…</p>` : nothing}
      ${this.fileError ? html`<p class="error" role="alert">${this.fileError}</p>` : nothing}
      ${
        this.offer
          ? html`<div role="alert">
              <p>
                This file has no conversation ${VALIDATION_CONVERSATION} (the validation conversation of
                Memory-R1), so scores will not compare with the paper's.
              </p>
              <button @click=${() => this.useOffer()}>Use ${this.offer} instead</button>
            </div>`
          : nothing
      }
      ${
        chosen
          ? html`<p role="status">
              Conversation ${chosen.id} between ${chosen.speakers[0]} and ${chosen.speakers[1]}:
              ${chosen.sessions} sessions, ${chosen.turns} turns, ${chosen.questions} questions (adversarial
              questions are left out, as in the paper). Each turn takes two model calls, so a full run takes a
              while.
            </p>`
          : nothing
      }
      <div class="field">
        <label for="limit">Questions to answer</label>
        <input
          id="limit"
          type="number"
          min="1"
          inputmode="numeric"
          placeholder="all"
          aria-describedby="limit-hint"
          .value=${this.limit}
          ?disabled=${this.running}
          @input=${(e: Event) => (this.limit = (e.target as HTMLInputElement).value)}
        />
        <p id="limit-hint" class="hint">
          Leave empty to answer every question; all turns are read either way.
        </p>
      </div>
      <div class="row">
        <button class="primary" ?disabled=${!chosen || this.running} @click=${this.run}>Run benchmark</button>
        <button ?disabled=${!this.running} @click=${() => this.controller?.abort()}>Stop</button>
      </div>
      ${this.running ? this.renderProgress() : nothing}
      ${
        this.stopped
          ? html`<p role="status">Stopped. Nothing was kept; run again to start over.</p>`
          : nothing
      }
      ${this.runError ? html`<p class="error" role="alert">${this.runError}</p>` : nothing}
      ${this.result ? this.renderResult(this.result) : nothing}
    </section>`;
  }

  private modelLabel(): string {
    const s = this.settings;
    if (!s) return 'unknown';
    if (s.provider === 'local') return `${s.model || 'the server default'} on ${s.baseUrl}`;
    if (s.provider === 'cpu') return `${s.cpuModel || DEFAULT_CPU_MODEL_ID} (on this device's CPU)`;
    return `${s.onDeviceModel || 'the recommended on-device model'} (on this device)`;
  }

  private renderProgress() {
    const p = this.progress;
    const text = !p ? 'Starting…' : p.phase === 'model' ? `Loading the model: ${p.text}` : p.text;
    return html`<div class="field">
      <label for="progress">Benchmark progress</label>
      <progress id="progress" max="1" .value=${p?.fraction ?? 0} aria-valuetext=${text}></progress>
      <p class="hint">${text}. Leaving this view stops the benchmark.</p>
      ${p?.warning ? html`<p role="status"><strong>Warning:</strong> ${p.warning}</p>` : nothing}
    </div>`;
  }

  private renderResult(r: BenchmarkRunResult) {
    const groups = Object.keys(r.count);
    const rate = r.tokensPerSecond;
    return html`<h2>Results</h2>
      <table>
        <caption>
          Scores on ${r.conversationId} with ${r.modelId}, in % (${r.count.overall ?? 0} questions)
        </caption>
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">F1</th>
            <th scope="col">BLEU-1</th>
            <th scope="col">Questions</th>
          </tr>
        </thead>
        <tbody>
          ${groups.map(
            (g) =>
              html`<tr>
                <th scope="row">${g}</th>
                <td class="num">${pct(r.f1[g])}</td>
                <td class="num">${pct(r.bleu1[g])}</td>
                <td class="num">${r.count[g]}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <p>
        ${
          rate === null
            ? html`Tokens per second: not available (the model reported no token counts).`
            : html`Tokens per second:
                <strong>${rate.toFixed(1)}</strong> (${r.completionTokens.toLocaleString()} output tokens in
                ${r.modelSeconds.toFixed(1)} s of model time, prompt processing included;
                ${r.promptTokens.toLocaleString()} prompt tokens over ${r.calls} calls).`
        }
        The whole run took ${r.seconds.toFixed(0)} s.
      </p>
      <p class="hint">
        Retrieval: ${r.embedderId ? `keywords and embeddings (${r.embedderId})` : 'keywords only'}.
      </p>
      ${r.notes.map((note) => html`<p class="hint">${note}</p>`)}
      ${
        r.ingest.failed > 0
          ? html`<p class="hint">
              ${r.ingest.failed} of ${r.ingest.turns} turns could not be turned into memories (the model's
              output was invalid twice); questions about them may score lower.
            </p>`
          : nothing
      }
      ${
        r.failedQuestions.length > 0
          ? html`<p class="error">
              ${r.failedQuestions.length} questions failed and are not scored, for example:
              ${r.failedQuestions[0]?.message}
            </p>`
          : nothing
      }
      <details>
        <summary>Every answer</summary>
        <table>
          <caption>
            Answers with their F1 in %
          </caption>
          <thead>
            <tr>
              <th scope="col">Question</th>
              <th scope="col">Expected</th>
              <th scope="col">Answer</th>
              <th scope="col">F1</th>
            </tr>
          </thead>
          <tbody>
            ${r.answers.map(
              (a) =>
                html`<tr>
                  <td>${a.question}</td>
                  <td>${a.gold}</td>
                  <td>${a.prediction}</td>
                  <td class="num">${pct(a.f1)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </details>`;
  }

  private async pickFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    this.file = file;
    this.info = undefined;
    this.conversationId = undefined;
    this.offer = undefined;
    this.fileError = '';
    this.result = undefined;
    this.runError = '';
    this.stopped = false;
    if (!file) return;
    if (!this.benchmark) {
      this.fileError = 'The benchmark service is not available. Reload the page.';
      return;
    }
    this.reading = true;
    try {
      const info = await this.benchmark.call('inspect', { file });
      if (this.file !== file) return;
      this.info = info;
      if (info.conversations.length === 0) {
        this.fileError = `"${file.name}" holds no conversations. Pick ${LOCOMO_SOURCE}.`;
      } else if (info.conversations.some((c) => c.id === VALIDATION_CONVERSATION)) {
        this.conversationId = VALIDATION_CONVERSATION;
      } else {
        this.offer = info.conversations[0]!.id;
      }
    } catch (err) {
      if (this.file === file) {
        this.fileError = `${errorMessage(err)} Pick ${LOCOMO_SOURCE}.`;
      }
    } finally {
      if (this.file === file) this.reading = false;
    }
  }

  private useOffer(): void {
    this.conversationId = this.offer;
    this.offer = undefined;
  }

  private async run(): Promise<void> {
    const { file, conversationId, settings, benchmark } = this;
    if (!file || !conversationId || this.running) return;
    if (!benchmark || !settings) {
      this.runError = 'The benchmark service is not available. Reload the page.';
      return;
    }
    const limit = Number.parseInt(this.limit, 10);
    this.controller = new AbortController();
    this.running = true;
    this.progress = undefined;
    this.result = undefined;
    this.runError = '';
    this.stopped = false;
    try {
      this.result = await benchmark.call(
        'run',
        { file, conversationId, settings, ...(limit > 0 && { limit }) },
        { signal: this.controller.signal, onProgress: (p) => (this.progress = p) },
      );
    } catch (err) {
      if (isAbortError(err)) this.stopped = true;
      else this.runError = errorMessage(err);
    } finally {
      this.running = false;
      this.controller = undefined;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-benchmark': MrBenchmark;
  }
}
