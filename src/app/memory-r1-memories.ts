/**
 * `<memory-r1-memories storage-name="…">`: the memory inspector any page can host. It is the app's own
 * `<mr-memory-inspector>` (a region named "Memories", one list item per memory with Edit / Delete / History, search,
 * undo, failed passes with Retry) over the agent of its storage name, shared with a `<memory-r1-chat>` of the same
 * name on the page.
 */
import { css, html } from 'lit';
import { MemoryR1Element } from './memory-r1-element';

/**
 * The memory inspector for a host page.
 * @tagname memory-r1-memories
 * @fires mr-memory-change - the memory bank changed (detail: `MemoryChange`)
 * @fires mr-error - the memory bank could not be opened (detail: `{ code, message }`)
 * @csspart memories - the inspector
 * @csspart error - the message shown when the memory bank cannot be opened
 * @cssprop --mr-accent - accent colour (buttons, links, focus); every `--mr-*` token of tokens.styles.ts can be set
 */
export class MemoryR1Memories extends MemoryR1Element {
  static override styles = [
    ...MemoryR1Element.styles,
    css`
      mr-memory-inspector {
        display: block;
        max-height: var(--mr-memories-max-height, none);
        overflow: auto;
      }
    `,
  ];

  protected override renderView() {
    return html`<mr-memory-inspector part="memories"></mr-memory-inspector>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'memory-r1-memories': MemoryR1Memories;
  }
}
