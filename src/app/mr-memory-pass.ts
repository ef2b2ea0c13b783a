/**
 * `<mr-memory-pass>`: under a user turn, what the Memory Manager did with it: "Remembered …", "Updated …",
 * "Forgot …", each with Undo (which reverses the turn's whole batch, all-or-nothing like its application), a
 * pending note while the pass runs, the failure with Retry when it failed, and the changes with Apply / Discard
 * when the pass was held for review (it would forget too many memories at once).
 */
import { LitElement, css, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import type { MemoryPassInfo } from '../core/conversation';
import type { MemoryService } from '../agent/memory-worker-client';
import type { AppliedOp } from '../core/types';
import { memoryContext } from './context';
import { discardedNote, renderReview, reviewStyles } from './review-changes';
import { sharedStyles } from './shared.styles';
import { errorMessage } from '../core/errors';

/** One line per memory change of a turn, with Undo; failures with Retry. */
export class MrMemoryPass extends LitElement {
  static override styles = [
    sharedStyles,
    reviewStyles,
    css`
      :host {
        display: block;
        font-size: 0.875rem;
        color: var(--mr-muted);
      }
      ul {
        list-style: none;
        margin: 0.25rem 0 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.2rem;
      }
      li {
        display: flex;
        align-items: baseline;
        gap: 0.4rem;
        flex-wrap: wrap;
      }
      .kind {
        font-weight: 600;
        color: var(--mr-ok);
      }
      .undone {
        text-decoration: line-through;
      }
      .failed .kind {
        color: var(--mr-danger);
      }
    `,
  ];

  @consume({ context: memoryContext }) private memory?: MemoryService;

  /** The user message this pass belongs to. */
  @property({ attribute: false }) messageId = '';
  /** What the pass did. */
  @property({ attribute: false }) info?: MemoryPassInfo;

  @state() private busy = false;
  @state() private error = '';

  override render() {
    const info = this.info;
    if (!info || info.status === 'off') return nothing;
    if (info.status === 'pending') return html`<p class="hint" role="status">Updating memory…</p>`;
    if (info.status === 'failed') {
      return html`<ul>
        <li class="failed">
          <span class="kind">Memory not updated:</span>
          <span>${info.error?.message ?? 'the memory pass failed.'}</span>
          <button class="link" ?disabled=${this.busy} @click=${this.retry}>Retry</button>
        </li>
      </ul>`;
    }
    if (info.status === 'held') {
      return html`${renderReview({
        reason: info.reason,
        operations: info.operations,
        busy: this.busy,
        onApply: () => void this.decide('applyHeld'),
        onDiscard: () => void this.decide('discardHeld'),
      })}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`;
    }
    if (info.operations.length === 0) return discardedNote(info.discarded);
    return html`<ul aria-label="Memory changes">
      ${info.operations.map((op) => this.renderOp(op, info))}
      ${this.error ? html`<li class="error" role="alert">${this.error}</li>` : nothing}
    </ul>`;
  }

  private renderOp(op: AppliedOp, info: MemoryPassInfo) {
    const label = op.op === 'ADD' ? 'Remembered' : op.op === 'UPDATE' ? 'Updated' : 'Forgot';
    const text = op.op === 'DELETE' ? (op.previousText ?? op.text ?? '') : (op.text ?? '');
    return html`<li class=${info.undone ? 'undone' : ''}>
      <span class="kind">${label}</span>
      <span>“${text}”</span>
      ${
        info.undone
          ? html`<span>(undone)</span>`
          : html`<button class="link" ?disabled=${this.busy} @click=${this.undo}>Undo</button>`
      }
    </li>`;
  }

  private async undo(): Promise<void> {
    const batchId = this.info?.batchId;
    if (!batchId || !this.memory) return;
    await this.run(async (memory) => {
      await memory.call('undo', { batchId, messageId: this.messageId });
      if (this.info) this.info = { ...this.info, undone: true };
    });
  }

  private async retry(): Promise<void> {
    await this.run(async (memory) => {
      this.info = await memory.call('retryFailure', { turnId: this.messageId });
    });
  }

  private async decide(method: 'applyHeld' | 'discardHeld'): Promise<void> {
    await this.run(async (memory) => {
      this.info = await memory.call(method, { turnId: this.messageId });
    });
  }

  private async run(action: (memory: MemoryService) => Promise<void>): Promise<void> {
    if (!this.memory) return;
    this.busy = true;
    this.error = '';
    try {
      await action(this.memory);
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-memory-pass': MrMemoryPass;
  }
}
