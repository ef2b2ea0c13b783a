/**
 * `<mr-memory-inspector>`: everything the assistant remembers, as a region named "Memories" holding one list item
 * per memory shown. Search, filter by speaker and conversation, edit, delete, undo the last change, each memory's
 * history (which turn created or changed it, before and after), and the failed memory passes with Retry. A large
 * bank is listed a page at a time (newest first, "Show more" adds the next page): the worker sends only the
 * memories shown, so opening the view costs the same at 100,000 memories as at 100.
 */
import { LitElement, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import type { MemoryService } from '../agent/memory-worker-client';
import type { Conversation } from '../core/conversation';
import type { MemoryEvent, MemoryRecord, TurnFailure } from '../core/types';
import { memoryContext } from './context';
import { MemoryChangesController } from './memory-changes-controller';
import { inspectorStyles } from './mr-memory-inspector.styles';
import { pageStyles, sharedStyles } from './shared.styles';
import { errorMessage } from '../core/errors';

/** Memories added to the list by each "Show more" (and shown at first). */
const PAGE_SIZE = 50;

const EVENT_LABELS: Record<MemoryEvent['type'], string> = {
  ADD: 'Created',
  UPDATE: 'Changed',
  DELETE: 'Deleted',
  UNDO_ADD: 'Creation undone',
  UNDO_UPDATE: 'Change undone',
  UNDO_DELETE: 'Deletion undone',
};

/** The memory inspector. */
export class MrMemoryInspector extends LitElement {
  static override styles = [sharedStyles, pageStyles, inspectorStyles];

  @consume({ context: memoryContext }) private memory?: MemoryService;

  @state() private memories: MemoryRecord[] = [];
  /** How many memories match the search and filters, shown or not. */
  @state() private total = 0;
  @state() private speakers: string[] = [];
  @state() private conversations: Conversation[] = [];
  @state() private failures: TurnFailure[] = [];
  @state() private query = '';
  @state() private speaker = '';
  @state() private conversationId = '';
  @state() private editingId = '';
  @state() private historyId = '';
  @state() private history: MemoryEvent[] = [];
  @state() private toast?: { message: string; batchId?: string };
  @state() private error = '';
  @state() private loading = true;

  private searchTimer?: ReturnType<typeof setTimeout>;
  /** How many memories the list shows (grows by a page with each "Show more"). */
  private wanted = PAGE_SIZE;
  /** Counts refreshes, so an answer that arrives after a newer refresh started is dropped. */
  private refreshes = 0;

  constructor() {
    super();
    new MemoryChangesController(this, () => this.memory);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  /** Reloads memories, conversations and failures from the worker. */
  async refresh(): Promise<void> {
    const memory = this.memory;
    if (!memory) return;
    const refresh = ++this.refreshes;
    try {
      const [page, conversations, failures] = await Promise.all([
        memory.call('listMemories', {
          speaker: this.speaker || undefined,
          conversationId: this.conversationId || undefined,
          query: this.query.trim() || undefined,
          limit: this.wanted,
        }),
        memory.call('listConversations', null),
        memory.call('failures', null),
      ]);
      if (refresh !== this.refreshes) return;
      this.memories = page.memories;
      this.total = page.total;
      this.speakers = page.speakers;
      this.conversations = conversations;
      this.failures = failures;
      this.error = '';
      if (this.historyId) this.history = await memory.call('history', { memoryId: this.historyId });
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.loading = false;
    }
  }

  override render() {
    return html`
      <section aria-labelledby="memories-heading">
        <h1 id="memories-heading" tabindex="-1">Memories</h1>
        <p class="hint">
          What the assistant remembers about you. Everything stays on this device; edit or delete anything.
        </p>
        <mr-held-changes></mr-held-changes>
        ${
          this.toast
            ? html`<div class="toast" role="status">
                <span>${this.toast.message}</span>
                ${
                  this.toast.batchId
                    ? html`<button class="link" @click=${() => this.undo(this.toast?.batchId)}>Undo</button>`
                    : nothing
                }
              </div>`
            : nothing
        }
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <div class="filters">
          <div>
            <label for="search">Search memories</label>
            <input id="search" type="search" .value=${this.query} @input=${this.onSearch} />
          </div>
          <div>
            <label for="speaker">Speaker</label>
            <select id="speaker" @change=${(e: Event) => this.setFilter('speaker', e)}>
              <option value="" ?selected=${this.speaker === ''}>Everyone</option>
              ${this.speakers.map((s) => html`<option value=${s} ?selected=${this.speaker === s}>${s}</option>`)}
            </select>
          </div>
          <div>
            <label for="conversation">Conversation</label>
            <select id="conversation" @change=${(e: Event) => this.setFilter('conversationId', e)}>
              <option value="" ?selected=${this.conversationId === ''}>All conversations</option>
              ${this.conversations.map(
                (c) =>
                  html`<option value=${c.id} ?selected=${this.conversationId === c.id}>${c.title}</option>`,
              )}
            </select>
          </div>
        </div>
        <p class="hint" role="status">${this.loading ? 'Loading…' : this.countText()}</p>
        <ul class="memories">
          ${this.memories.map((m) => this.renderMemory(m))}
        </ul>
        ${
          this.memories.length < this.total
            ? html`<button class="more" @click=${this.showMore}>
                Show ${Math.min(PAGE_SIZE, this.total - this.memories.length)} more
              </button>`
            : nothing
        }
      </section>
      ${this.historyId ? this.renderHistory() : nothing}
      ${this.failures.length ? this.renderFailures() : nothing}
    `;
  }

  private countText(): string {
    const n = this.total;
    const filtered = this.query || this.speaker || this.conversationId;
    if (n === 0) return filtered ? 'No memories match.' : 'Nothing remembered yet.';
    const count = `${formatCount(n)} ${n === 1 ? 'memory' : 'memories'}${filtered ? ' match' : ''}.`;
    const shown = this.memories.length;
    if (shown >= n) return count;
    return `${count} Showing the ${this.query ? 'best' : 'newest'} ${formatCount(shown)}.`;
  }

  private renderMemory(m: MemoryRecord) {
    const conversation = this.conversations.find((c) => c.id === m.conversationId)?.title;
    if (this.editingId === m.id) {
      return html`<li>
        <form @submit=${(e: Event) => this.saveEdit(e, m)}>
          <label for="edit-${m.id}">Memory text</label>
          <textarea id="edit-${m.id}" .value=${m.text} maxlength="1000"></textarea>
          <div class="row">
            <button type="submit" class="primary">Save</button>
            <button type="button" @click=${() => this.cancelEdit(m.id)}>Cancel</button>
          </div>
        </form>
      </li>`;
    }
    return html`<li>
      <p class="text">${m.text}</p>
      <div class="meta">
        ${m.speaker ? html`${m.speaker} · ` : nothing}${conversation ? html`${conversation} · ` : nothing}updated
        ${new Date(m.updatedAt).toLocaleString()}
      </div>
      <div class="row">
        <button data-edit=${m.id} @click=${() => this.startEdit(m.id)}>Edit</button>
        <button class="danger" @click=${() => this.deleteMemory(m)}>Delete</button>
        <button
          aria-expanded=${this.historyId === m.id ? 'true' : 'false'}
          @click=${() => this.toggleHistory(m.id)}
        >
          History
        </button>
      </div>
    </li>`;
  }

  private renderHistory() {
    const memoryText = this.memories.find((m) => m.id === this.historyId)?.text ?? '';
    return html`<section class="history" aria-labelledby="history-heading">
      <h2 id="history-heading">History of “${memoryText}”</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Change</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          ${this.history.map(
            (e) =>
              html`<tr>
                <td>${new Date(e.time).toLocaleString()}</td>
                <td>${EVENT_LABELS[e.type]}</td>
                <td>${e.before ?? '—'}</td>
                <td>${e.after ?? '—'}</td>
                <td>
                  ${e.modelId === 'user' ? 'You' : e.turnId ? `Turn ${e.turnId.slice(0, 8)}` : (e.modelId ?? '')}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <button @click=${() => this.toggleHistory(this.historyId)}>Close history</button>
    </section>`;
  }

  private renderFailures() {
    return html`<section class="failures" aria-labelledby="failures-heading">
      <h2 id="failures-heading">Failed memory passes</h2>
      <p class="hint">These turns could not be turned into memories. Nothing was changed; you can retry.</p>
      ${this.failures.map(
        (f) =>
          html`<div class="failure">
            <p><strong>“${f.text}”</strong></p>
            <p class="error">${f.message}</p>
            ${
              f.rawOutput
                ? html`<details>
                    <summary>Model output</summary>
                    <pre>${f.rawOutput}</pre>
                  </details>`
                : nothing
            }
            <button @click=${() => this.retryFailure(f.turnId)}>Retry</button>
          </div>`,
      )}
    </section>`;
  }

  private onSearch(e: Event): void {
    this.query = (e.target as HTMLInputElement).value;
    this.wanted = PAGE_SIZE;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.refresh(), 150);
  }

  private setFilter(key: 'speaker' | 'conversationId', e: Event): void {
    this[key] = (e.target as HTMLSelectElement).value;
    this.wanted = PAGE_SIZE;
    void this.refresh();
  }

  /** Adds the next page to the list and moves the focus to its first memory. */
  private async showMore(): Promise<void> {
    const first = this.memories.length;
    this.wanted = first + PAGE_SIZE;
    await this.refresh();
    await this.updateComplete;
    const next = this.memories[first];
    if (next) this.renderRoot.querySelector<HTMLElement>(`[data-edit="${CSS.escape(next.id)}"]`)?.focus();
  }

  private async startEdit(id: string): Promise<void> {
    this.editingId = id;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLTextAreaElement>(`#edit-${CSS.escape(id)}`)?.focus();
  }

  private async cancelEdit(id: string): Promise<void> {
    this.editingId = '';
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>(`[data-edit="${CSS.escape(id)}"]`)?.focus();
  }

  private async saveEdit(e: Event, m: MemoryRecord): Promise<void> {
    e.preventDefault();
    const text = (e.currentTarget as HTMLFormElement).querySelector('textarea')?.value.trim() ?? '';
    if (!text) {
      this.error = 'A memory cannot be empty. Use Delete to forget it.';
      return;
    }
    await this.act(async (memory) => {
      const batch = await memory.call('editMemory', { id: m.id, text });
      this.editingId = '';
      this.toast = { message: 'Memory updated.', batchId: batch.batchId };
    });
    await this.cancelEdit(m.id);
  }

  private async deleteMemory(m: MemoryRecord): Promise<void> {
    await this.act(async (memory) => {
      const batch = await memory.call('deleteMemory', { id: m.id });
      this.toast = { message: `Deleted “${m.text}”.`, batchId: batch.batchId };
    });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.toast button, #search')?.focus();
  }

  private async undo(batchId: string | undefined): Promise<void> {
    if (!batchId) return;
    await this.act(async (memory) => {
      await memory.call('undo', { batchId });
      this.toast = { message: 'Undone.' };
    });
  }

  private async toggleHistory(id: string): Promise<void> {
    if (this.historyId === id) {
      this.historyId = '';
      this.history = [];
      return;
    }
    this.historyId = id;
    await this.act(async (memory) => {
      this.history = await memory.call('history', { memoryId: id });
    });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#history-heading')?.scrollIntoView({ block: 'nearest' });
  }

  private async retryFailure(turnId: string): Promise<void> {
    await this.act(async (memory) => {
      const result = await memory.call('retryFailure', { turnId });
      this.toast = {
        message:
          result.status === 'failed' ? `Retry failed: ${result.error?.message ?? ''}` : 'Memory pass done.',
      };
    });
  }

  private async act(action: (memory: MemoryService) => Promise<void>): Promise<void> {
    if (!this.memory) return;
    this.error = '';
    try {
      await action(this.memory);
    } catch (err) {
      this.error = errorMessage(err);
    }
    await this.refresh();
  }
}

/** A count as the page writes it: `100,000`. */
function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-memory-inspector': MrMemoryInspector;
  }
}
