/**
 * How a memory pass held for review reads, in the chat under its turn and in the Memories view: why it was held,
 * each change it would make ("Would forget …", "Would change … to …", "Would remember …"), and Apply / Discard.
 * The host element styles it with `reviewStyles` and does the calls.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import type { AppliedOp } from '../core/types';

/** What a review shows and where its buttons go. */
export interface ReviewOptions {
  reason?: string;
  operations: AppliedOp[];
  /** Disables the buttons while a call runs. */
  busy: boolean;
  /** Names the group (the turn's text in the Memories view); default "Review changes". */
  label?: string;
  onApply(): void;
  onDiscard(): void;
}

/** Styles of `renderReview`. */
export const reviewStyles = css`
  .review {
    border: 1px solid var(--mr-danger);
    border-radius: var(--mr-radius);
    padding: 0.5rem 0.75rem;
    margin-top: 0.25rem;
    color: var(--mr-text);
  }
  .review p {
    margin: 0 0 0.35rem;
  }
  .review ul {
    list-style: none;
    margin: 0 0 0.5rem;
    padding: 0;
    max-height: 12rem;
    overflow: auto;
  }
  .review li {
    overflow-wrap: anywhere;
  }
  .review .change {
    font-weight: 600;
  }
  .review .actions {
    display: flex;
    gap: 0.5rem;
    flex-wrap: wrap;
  }
`;

/** One proposed change as a line. */
function changeLine(op: AppliedOp): TemplateResult {
  if (op.op === 'ADD') return html`<span class="change">Would remember</span> “${op.text ?? ''}”`;
  if (op.op === 'DELETE') return html`<span class="change">Would forget</span> “${op.previousText ?? ''}”`;
  return html`<span class="change">Would change</span> “${op.previousText ?? ''}” to “${op.text ?? ''}”`;
}

/** A held pass: the reason, the changes and the Apply / Discard buttons. */
export function renderReview(o: ReviewOptions): TemplateResult {
  return html`<div class="review" role="group" aria-label=${o.label ?? 'Review changes'}>
    <p><strong>Review changes:</strong> ${o.reason ?? 'this memory pass waits for your review.'}</p>
    <ul aria-label="Changes waiting for review">
      ${o.operations.map((op) => html`<li>${changeLine(op)}</li>`)}
    </ul>
    <div class="actions">
      <button class="primary" ?disabled=${o.busy} @click=${o.onApply}>Apply</button>
      <button ?disabled=${o.busy} @click=${o.onDiscard}>Discard</button>
    </div>
  </div>`;
}

/** The note a turn shows once its held changes were discarded. */
export function discardedNote(discarded: boolean | undefined): TemplateResult | typeof nothing {
  return discarded ? html`<p class="hint">Held changes discarded; no memory was changed.</p>` : nothing;
}
