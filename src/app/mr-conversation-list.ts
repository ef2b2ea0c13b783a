/** `<mr-conversation-list>`: the conversations, newest first, with New conversation, rename and delete. */
import { LitElement, css, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Conversation } from '../core/conversation';
import { mrEvent } from './events';
import { sharedStyles } from './shared.styles';

/**
 * Lists conversations and lets the user start, open, rename and delete them.
 * @fires mr-new-conversation - the user asked for a new conversation
 * @fires mr-select-conversation - the user opened a conversation
 * @fires mr-rename-conversation - the user renamed a conversation
 * @fires mr-delete-conversation - the user confirmed deleting a conversation
 */
export class MrConversationList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
        padding: 0.75rem;
      }
      h2 {
        font-size: 1rem;
        margin: 0;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
      }
      li {
        display: flex;
        align-items: center;
        gap: 0.25rem;
        border-radius: var(--mr-radius);
      }
      li[aria-current='page'] {
        background: var(--mr-surface-2);
      }
      .open {
        flex: 1;
        text-align: left;
        background: none;
        border-color: transparent;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .icon {
        padding: 0.2rem 0.45rem;
        background: none;
        border-color: transparent;
        color: var(--mr-muted);
        font-size: 0.85rem;
      }
      form {
        display: flex;
        gap: 0.25rem;
        flex: 1;
      }
      form input {
        flex: 1;
        min-width: 0;
      }
      .empty {
        color: var(--mr-muted);
        font-size: 0.9rem;
      }
    `,
  ];

  /** Conversations to list, newest first. */
  @property({ attribute: false }) conversations: Conversation[] = [];
  /** The open conversation's id. */
  @property({ attribute: false }) selectedId?: string;

  @state() private renamingId?: string;
  @state() private confirmDeleteId?: string;

  override render() {
    return html`
      <button class="primary" @click=${() => this.dispatchEvent(mrEvent('mr-new-conversation', {}))}>
        New conversation
      </button>
      <nav aria-labelledby="conv-heading">
        <h2 id="conv-heading">Conversations</h2>
        ${
          this.conversations.length === 0
            ? html`<p class="empty">No conversations yet.</p>`
            : html`<ul>
                ${this.conversations.map((c) => this.renderItem(c))}
              </ul>`
        }
      </nav>
    `;
  }

  private renderItem(c: Conversation) {
    const current = c.id === this.selectedId;
    if (this.renamingId === c.id) {
      return html`<li>
        <form @submit=${(e: Event) => this.finishRename(e, c)}>
          <label class="visually-hidden" for="rename-${c.id}">Conversation title</label>
          <input
            id="rename-${c.id}"
            .value=${c.title}
            maxlength="120"
            @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this.cancelRename(c.id)}
          />
          <button type="submit">Save</button>
        </form>
      </li>`;
    }
    if (this.confirmDeleteId === c.id) {
      return html`<li>
        <span class="open">Remove “${c.title}” and its messages?</span>
        <button
          class="danger primary"
          @click=${() => {
            this.confirmDeleteId = undefined;
            this.dispatchEvent(mrEvent('mr-delete-conversation', { id: c.id }));
          }}
        >
          Remove
        </button>
        <button @click=${() => this.cancelDelete(c.id)}>Cancel</button>
      </li>`;
    }
    return html`<li aria-current=${current ? 'page' : nothing}>
      <button
        class="open"
        data-id=${c.id}
        @click=${() => this.dispatchEvent(mrEvent('mr-select-conversation', { id: c.id }))}
      >
        ${c.title}
      </button>
      <button class="icon" aria-label="Rename conversation ${c.title}" @click=${() => this.startRename(c.id)}>
        Rename
      </button>
      <button class="icon" aria-label="Remove conversation ${c.title}" @click=${() => this.startDelete(c.id)}>
        ✕
      </button>
    </li>`;
  }

  private async startRename(id: string): Promise<void> {
    this.renamingId = id;
    await this.updateComplete;
    const input = this.renderRoot.querySelector<HTMLInputElement>(`#rename-${CSS.escape(id)}`);
    input?.focus();
    input?.select();
  }

  private async cancelRename(id: string): Promise<void> {
    this.renamingId = undefined;
    await this.focusOpenButton(id);
  }

  private async finishRename(e: Event, c: Conversation): Promise<void> {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).querySelector('input');
    const title = input?.value.trim() ?? '';
    this.renamingId = undefined;
    if (title && title !== c.title)
      this.dispatchEvent(mrEvent('mr-rename-conversation', { id: c.id, title }));
    await this.focusOpenButton(c.id);
  }

  private async startDelete(id: string): Promise<void> {
    this.confirmDeleteId = id;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('button.danger.primary')?.focus();
  }

  private async cancelDelete(id: string): Promise<void> {
    this.confirmDeleteId = undefined;
    await this.focusOpenButton(id);
  }

  private async focusOpenButton(id: string): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>(`button.open[data-id="${CSS.escape(id)}"]`)?.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-conversation-list': MrConversationList;
  }
}
