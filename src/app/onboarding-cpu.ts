/**
 * The onboarding's On-device (CPU) offer, shown when the GPU path is unusable: what it is, how fast to expect it to
 * be, whether llama.cpp gets several threads here, and the download of the smallest CPU model with progress.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { CPU_CATALOG } from '../protocol/cpu-catalog';
import type { CpuThreading } from '../core/cpu-threads';
import type { Progress } from '../core/progress';

/** What the offer shows and where its buttons go. */
export interface CpuOfferOptions {
  threading?: CpuThreading;
  /** Set while the model downloads. */
  progress?: Progress;
  error: string;
  /** The model is downloaded. */
  ready: boolean;
  onDownload(): void;
  onCancel(): void;
  onStart(): void;
}

/** The CPU offer panel. */
export function cpuOffer(o: CpuOfferOptions): TemplateResult {
  const model = CPU_CATALOG[0];
  if (!model) return html``;
  const threads = o.threading?.multiThread
    ? `It will use ${o.threading.threads} threads here.`
    : 'This page allows only one thread here, which makes it slower still.';
  return html`<div class="panel">
    <h2>Or run a small model on the processor</h2>
    <p>
      Memory-R1 can run ${model.label} on this device's CPU (llama.cpp in WebAssembly): nothing leaves the
      browser, and it works offline once downloaded (${model.sizeMB} MB; it needs about ${model.ramMB} MB of
      memory).
    </p>
    <p class="hint">
      Honest speed hint: a CPU is far slower than a GPU. With this model a reply takes from tens of seconds to
      several minutes, depending on the processor and how busy it is, and each message also starts a memory
      update of about the same length. ${threads}
    </p>
    ${
      o.ready
        ? html`<p role="status"><strong>Ready.</strong> The model is downloaded and works offline.</p>
            <button class="primary" @click=${o.onStart}>Start chatting on the CPU</button>`
        : o.progress
          ? html`<label for="cpu-dl">Downloading ${model.label}</label>
              <progress id="cpu-dl" max="1" .value=${o.progress.fraction}></progress>
              <p class="hint" role="status">${o.progress.text}</p>
              <button @click=${o.onCancel}>Cancel download</button>`
          : html`<button @click=${o.onDownload}>Download ${model.label} and use the CPU</button>`
    }
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : nothing}
  </div>`;
}
