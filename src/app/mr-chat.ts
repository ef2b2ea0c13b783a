/**
 * `<mr-chat>`: one conversation. Streams the reply (markdown, sanitized) into a polite live log, with Stop while
 * it streams, and Copy and Retry on each reply. The Memory Manager runs in the worker after the user's turn, so the
 * message box stays usable the whole time; what it remembered appears under the turn when the pass finishes.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { consume } from '@lit/context';
import type { MemoryService } from '../agent/memory-worker-client';
import type { Progress } from '../core/progress';
import type { ReplyEvent } from '../protocol/memory-protocol';
import type { StoredMessage } from '../core/conversation';
import type { Settings } from '../protocol/settings';
import { errorMessage, isAbortError, toErrorData } from '../core/errors';
import { memoryContext, settingsContext } from './context';
import { mrEvent } from './events';
import { renderMarkdown } from './markdown';
import { sharedStyles } from './shared.styles';
import { chatStyles } from './mr-chat.styles';

/**
 * The chat view of one conversation (or of a new one, created on the first message).
 * @fires mr-select-conversation - a first message created a new conversation
 * @fires mr-navigate - the user asked to open Settings from an error
 * @fires mr-answer - a reply finished streaming
 * @fires mr-error - a reply failed
 * @csspart log - the message log
 * @csspart composer - the form holding the message box and Send
 * @csspart message - the message box
 * @csspart send - the Send (or Stop) button
 */
export class MrChat extends LitElement {
  static override styles = [sharedStyles, chatStyles];

  @consume({ context: memoryContext }) private memory?: MemoryService;
  @consume({ context: settingsContext, subscribe: true }) @state() private settings?: Settings;

  /** The open conversation; empty for a new one. */
  @property({ attribute: false }) conversationId?: string;

  @state() private messages: StoredMessage[] = [];
  @state() private streaming = false;
  @state() private loadError = '';
  @state() private draft = '';
  @state() private copiedId = '';
  /** Loading progress of the on-device model, while the first reply waits for it. */
  @state() private modelLoading?: Progress;

  @query('textarea') private textarea?: HTMLTextAreaElement;

  private controller?: AbortController;
  private unsubscribe?: () => void;
  /** Turns a reply's markdown into sanitized HTML; a field so a test can count the renders through it. */
  markdown: (text: string) => string = renderMarkdown;
  private renderQueued = false;
  /** Streamed text not yet shown: deltas arrive one message each, the reply's markdown is rendered once per frame. */
  private pending = { id: '', text: '' };

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = this.memory?.onEvent((event) => {
      if (event.type === 'model-loading') this.modelLoading = event.progress;
      if (event.type !== 'memory-pass' || event.conversationId !== this.conversationId) return;
      this.messages = this.messages.map((m) =>
        m.id === event.messageId ? { ...m, memory: event.memory } : m,
      );
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('conversationId') && !this.streaming) void this.load();
  }

  /** Puts the keyboard focus in the message box. */
  override focus(): void {
    this.textarea?.focus();
  }

  private async load(): Promise<void> {
    const id = this.conversationId;
    this.loadError = '';
    if (!id || !this.memory) {
      this.messages = [];
      return;
    }
    try {
      const messages = await this.memory.call('listMessages', { conversationId: id });
      if (id === this.conversationId) this.messages = messages;
    } catch (err) {
      this.loadError = errorMessage(err);
    }
    await this.updateComplete;
    this.scrollToEnd();
  }

  override render() {
    const configured = this.settings?.onboarded ?? false;
    return html`
      <h1 class="visually-hidden" tabindex="-1">Chat</h1>
      <div
        class="log"
        part="log"
        role="log"
        aria-live="polite"
        aria-busy=${this.streaming ? 'true' : 'false'}
        aria-label="Conversation"
      >
        ${
          this.messages.length === 0
            ? html`<div class="empty">
                <p><strong>Tell me about yourself, or ask me anything.</strong></p>
                <p class="hint">
                  What you say stays on this device. I remember facts you tell me, and you can see, edit or
                  erase them under Memories.
                </p>
                ${
                  configured
                    ? nothing
                    : html`<p class="hint">
                        No model is set up yet.
                        <button
                          class="link"
                          @click=${() => this.dispatchEvent(mrEvent('mr-navigate', { view: 'onboarding' }))}
                        >
                          Set up a model
                        </button>
                      </p>`
                }
              </div>`
            : repeat(
                this.messages,
                (m) => m.id,
                (m) => this.renderMessage(m),
              )
        }
        ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : nothing}
      </div>
      ${
        this.modelLoading && this.streaming
          ? html`<div class="loading">
              <label for="model-progress">Loading the model (first reply only)</label>
              <progress id="model-progress" max="1" .value=${this.modelLoading.fraction}></progress>
              <p class="hint" role="status">${this.modelLoading.text}</p>
              ${
                this.modelLoading.warning
                  ? html`<p role="status"><strong>Warning:</strong> ${this.modelLoading.warning}</p>`
                  : nothing
              }
            </div>`
          : nothing
      }
      <form class="composer" part="composer" @submit=${this.onSubmit}>
        <label class="visually-hidden" for="message">Message</label>
        <textarea
          id="message"
          part="message"
          rows="2"
          placeholder="Message"
          .value=${this.draft}
          @input=${(e: Event) => (this.draft = (e.target as HTMLTextAreaElement).value)}
          @keydown=${this.onKeyDown}
        ></textarea>
        ${
          this.streaming
            ? html`<button type="button" class="danger" part="send" @click=${this.stop}>Stop</button>`
            : html`<button type="submit" class="primary" part="send" ?disabled=${this.draft.trim() === ''}>
                Send
              </button>`
        }
      </form>
    `;
  }

  private renderMessage(m: StoredMessage) {
    if (m.role === 'user') {
      return html`<article class="msg user" aria-label="You said">
        <div class="bubble">${m.text}</div>
        <mr-memory-pass .messageId=${m.id} .info=${m.memory}></mr-memory-pass>
      </article>`;
    }
    const live = m.status === 'streaming';
    return html`<article class="msg assistant" aria-label="Assistant replied">
      <div class="bubble markdown">
        ${
          m.text
            ? guard([m.text], () => unsafeHTML(this.markdown(m.text)))
            : live
              ? html`<span class="hint">Thinking…</span>`
              : nothing
        }
      </div>
      ${m.status === 'stopped' ? html`<p class="hint">Stopped.</p>` : nothing}
      ${
        m.status === 'error'
          ? html`<p class="error" role="alert">
              ${m.error?.message ?? 'The reply failed.'}
              ${
                m.error?.code === 'settings-invalid' || m.error?.code === 'model-not-configured'
                  ? html`<button
                      class="link"
                      @click=${() => this.dispatchEvent(mrEvent('mr-navigate', { view: 'settings' }))}
                    >
                      Open settings
                    </button>`
                  : nothing
              }
            </p>`
          : nothing
      }
      <mr-used-memories .memories=${m.usedMemories ?? []}></mr-used-memories>
      ${
        live
          ? nothing
          : html`<div class="actions">
              <button class="link" @click=${() => this.copy(m)}>
                ${this.copiedId === m.id ? 'Copied' : 'Copy'}
              </button>
              <button class="link" ?disabled=${this.streaming} @click=${() => this.retry(m)}>Retry</button>
            </div>`
      }
    </article>`;
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (!this.streaming) void this.send();
    }
  }

  private onSubmit(e: Event): void {
    e.preventDefault();
    void this.send();
  }

  private async send(): Promise<void> {
    const text = this.draft.trim();
    if (!text || this.streaming || !this.memory) return;
    let conversationId = this.conversationId;
    if (!conversationId) {
      const conversation = await this.memory.call('createConversation', { title: titleFrom(text) });
      conversationId = conversation.id;
      this.conversationId = conversationId;
      this.dispatchEvent(mrEvent('mr-select-conversation', { id: conversationId }));
    }
    this.draft = '';
    await this.stream((signal, onEvent) =>
      this.memory!.call('send', { conversationId: conversationId!, text }, { signal, onProgress: onEvent }),
    );
  }

  private async retry(m: StoredMessage): Promise<void> {
    if (!this.memory || this.streaming) return;
    await this.stream((signal, onEvent) =>
      this.memory!.call('retryReply', { assistantMessageId: m.id }, { signal, onProgress: onEvent }),
    );
  }

  private async stream(
    run: (signal: AbortSignal, onEvent: (e: ReplyEvent) => void) => Promise<unknown>,
  ): Promise<void> {
    this.controller = new AbortController();
    this.streaming = true;
    let assistantId = '';
    let failure = '';
    let caught: unknown;
    let stopped = false;
    try {
      await run(this.controller.signal, (e) => {
        if (e.type === 'user') this.upsert(e.message);
        else if (e.type === 'assistant') {
          assistantId = e.message.id;
          this.upsert(e.message);
        } else if (e.type === 'used') this.patch(assistantId, (m) => ({ ...m, usedMemories: e.memories }));
        else {
          this.modelLoading = undefined;
          this.pending = { id: assistantId, text: this.pending.text + e.text };
          this.queueFrame();
        }
      });
    } catch (err) {
      caught = err;
      stopped = isAbortError(err);
      // A failed reply is saved with its partial text and error, so only failures before it existed are shown here.
      if (!stopped && !assistantId) failure = errorMessage(err);
    } finally {
      this.flushText();
      this.streaming = false;
      this.controller = undefined;
      this.modelLoading = undefined;
      // After Stop the worker is still saving the partial reply; show it as stopped rather than reload a half-saved one.
      if (stopped) this.patch(assistantId, (m) => ({ ...m, status: 'stopped' }));
      else await this.load();
      if (failure) this.loadError = failure;
      if (!stopped) this.announce(assistantId, caught);
      this.textarea?.focus();
    }
  }

  /** Tells the host how the reply ended: `mr-answer` with its text and used memories, or `mr-error`. */
  private announce(assistantId: string, caught: unknown): void {
    const reply = this.messages.find((m) => m.id === assistantId);
    if (reply?.status === 'complete') {
      this.dispatchEvent(
        mrEvent('mr-answer', {
          messageId: reply.id,
          text: reply.text,
          usedMemories: reply.usedMemories ?? [],
        }),
      );
    } else if (reply?.status === 'error' || caught) {
      const { code, message } = reply?.error ?? toErrorData(caught);
      this.dispatchEvent(mrEvent('mr-error', { code, message }));
    }
  }

  private stop(): void {
    this.controller?.abort();
  }

  private upsert(message: StoredMessage): void {
    const i = this.messages.findIndex((m) => m.id === message.id);
    this.messages = i === -1 ? [...this.messages, message] : this.messages.with(i, message);
    this.queueFrame();
  }

  private patch(id: string, change: (m: StoredMessage) => StoredMessage): void {
    const i = this.messages.findIndex((m) => m.id === id);
    const current = this.messages[i];
    if (!current) return;
    this.messages = this.messages.with(i, change(current));
    this.queueFrame();
  }

  /**
   * Shows streamed text at most once per frame: the first piece after a quiet frame at once (no frame of delay before
   * the first token), the pieces that arrive meanwhile on the next frame, then scrolls to the end.
   */
  private queueFrame(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    this.flushText();
    requestAnimationFrame(() => {
      this.flushText();
      this.renderQueued = false;
      this.scrollToEnd();
    });
  }

  /** Appends the streamed text not yet shown to its reply. */
  private flushText(): void {
    const { id, text } = this.pending;
    if (!text) return;
    this.pending = { id: '', text: '' };
    this.patch(id, (m) => ({ ...m, text: m.text + text }));
  }

  private scrollToEnd(): void {
    const log = this.renderRoot.querySelector('.log');
    log?.scrollTo({ top: log.scrollHeight });
  }

  private async copy(m: StoredMessage): Promise<void> {
    try {
      await navigator.clipboard.writeText(m.text);
      this.copiedId = m.id;
      setTimeout(() => {
        if (this.copiedId === m.id) this.copiedId = '';
      }, 2000);
    } catch {
      this.loadError = 'Copying failed: the browser did not allow access to the clipboard.';
    }
  }
}

/** A short conversation title from its first message. */
function titleFrom(text: string): string {
  const line = text.split('\n')[0]?.trim() ?? '';
  return line.length > 48 ? `${line.slice(0, 47)}…` : line || 'Untitled conversation';
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-chat': MrChat;
  }
}
