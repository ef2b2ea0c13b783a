/** `<mr-used-memories>`: under an answer, the memories the Answer Agent said it relied on (its distillation). */
import { LitElement, css, html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import type { UsedMemory } from '../core/conversation';
import { sharedStyles } from './shared.styles';

/** Shows the memories an answer used, collapsed by default. */
export class MrUsedMemories extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        font-size: 0.875rem;
        color: var(--mr-muted);
      }
      summary {
        cursor: pointer;
        width: fit-content;
      }
      ul {
        margin: 0.25rem 0 0;
        padding-left: 1.25rem;
      }
    `,
  ];

  /** The memories the answer used. */
  @property({ attribute: false }) memories: UsedMemory[] = [];

  override render() {
    if (this.memories.length === 0) return nothing;
    const n = this.memories.length;
    return html`<details>
      <summary>Used ${n} ${n === 1 ? 'memory' : 'memories'}</summary>
      <ul aria-label="Memories this answer used">
        ${this.memories.map((m) => html`<li>${m.text}</li>`)}
      </ul>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-used-memories': MrUsedMemories;
  }
}
