/**
 * `<mr-held-changes>`: in the Memories view, the memory passes held for review because they would forget too many
 * memories at once (the review threshold is a setting), each with its turn, the changes and Apply / Discard. It
 * renders nothing while no pass is held, and refreshes whenever the worker reports a pass or a change.
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import type { MemoryService } from '../agent/memory-worker-client';
import type { HeldChange } from '../protocol/memory-protocol';
import { memoryContext } from './context';
import { MemoryChangesController } from './memory-changes-controller';
import { renderReview, reviewStyles } from './review-changes';
import { sharedStyles } from './shared.styles';
import { errorMessage } from '../core/errors';

/** The passes waiting for review, with Apply / Discard. */
export class MrHeldChanges extends LitElement {
  static override styles = [
    sharedStyles,
    reviewStyles,
    css`
      :host {
        display: block;
      }
      section {
        margin-bottom: 1rem;
      }
      h2 {
        font-size: 1.1rem;
        margin: 0 0 0.25rem;
      }
      ul.held {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
      }
      .turn {
        margin: 0;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @consume({ context: memoryContext }) private memory?: MemoryService;

  @state() private changes: HeldChange[] = [];
  @state() private busy = '';
  @state() private error = '';

  constructor() {
    super();
    new MemoryChangesController(this, () => this.memory);
  }

  /** Reloads the held passes from the worker. */
  async refresh(): Promise<void> {
    if (!this.memory) return;
    try {
      this.changes = await this.memory.call('heldChanges', null);
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  override render() {
    if (this.changes.length === 0 && !this.error) return nothing;
    return html`<section aria-labelledby="held-heading">
      <h2 id="held-heading">Review changes</h2>
      <p class="hint">
        These memory passes would forget many memories at once, so nothing was changed yet. Apply makes the
        changes; Discard drops them.
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <ul class="held">
        ${this.changes.map(
          (change) =>
            html`<li>
              <p class="turn">After “${change.text}”</p>
              ${renderReview({
                reason: change.reason,
                operations: change.operations,
                busy: this.busy === change.turnId,
                label: `Review changes for “${change.text}”`,
                onApply: () => void this.decide(change.turnId, 'applyHeld'),
                onDiscard: () => void this.decide(change.turnId, 'discardHeld'),
              })}
            </li>`,
        )}
      </ul>
    </section>`;
  }

  private async decide(turnId: string, method: 'applyHeld' | 'discardHeld'): Promise<void> {
    if (!this.memory) return;
    this.busy = turnId;
    this.error = '';
    try {
      const result = await this.memory.call(method, { turnId });
      if (result.status === 'failed')
        this.error = result.error?.message ?? 'The changes could not be applied.';
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.busy = '';
    }
    await this.refresh();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-held-changes': MrHeldChanges;
  }
}
