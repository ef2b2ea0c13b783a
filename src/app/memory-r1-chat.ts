/**
 * `<memory-r1-chat>`: the private memory chat any page can host. It is the app's own `<mr-chat>` (a textbox
 * "Message", Send, streamed replies, "Remembered/Updated/Forgot … Undo" notes and the used memories) over the agent
 * of its `storage-name`, with the model chosen by attributes: `provider="local" base-url=… model=…` for an
 * OpenAI-compatible server on this machine, `provider="webllm" model=…` (the default) for WebLLM on this device's GPU,
 * `provider="cpu" model=…` (a CPU catalog id or a `.gguf` URL) for llama.cpp in WebAssembly on its CPU.
 * The conversation continues after a reload; replies are rendered as sanitized markdown (safe with no CSP at all).
 */
import { css, html, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import type { MemoryAgent } from '../agent/memory-agent';
import { toSettings, type AgentSettings, type EmbedderOptions } from '../agent/memory-agent-options';
import type { Settings } from '../protocol/settings';
import { settingsContext } from './context';
import { MemoryR1Element } from './memory-r1-element';

/**
 * The chat for a host page.
 * @tagname memory-r1-chat
 * @fires mr-answer - a reply finished streaming (detail: `{ messageId, text, usedMemories }`)
 * @fires mr-memory-change - the memory bank changed (detail: `MemoryChange`)
 * @fires mr-error - a reply failed, or the agent could not start (detail: `{ code, message }`)
 * @csspart chat - the chat view
 * @csspart log - the message log
 * @csspart composer - the form holding the message box and Send
 * @csspart message - the message box
 * @csspart send - the Send (or Stop) button
 * @csspart error - the message shown when the agent cannot start
 * @cssprop --mr-accent - accent colour (buttons, links, focus); every `--mr-*` token of tokens.styles.ts can be set
 * @cssprop --mr-chat-height - height of the chat (default 28rem)
 */
export class MemoryR1Chat extends MemoryR1Element {
  static override styles = [
    ...MemoryR1Element.styles,
    css`
      :host {
        height: var(--mr-chat-height, 28rem);
      }
      mr-chat {
        height: 100%;
      }
    `,
  ];

  /**
   * `webllm` (on this device's GPU, the default), `cpu` (llama.cpp on this device's CPU, no WebGPU needed) or
   * `local` (an OpenAI-compatible server on this machine).
   */
  @property() provider: 'webllm' | 'cpu' | 'local' = 'webllm';
  /** The local server's base URL, e.g. `http://127.0.0.1:8080/v1` (provider `local`). */
  @property({ attribute: 'base-url' }) baseUrl = '';
  /** The model: the server's name (`local`), a WebLLM model id (`webllm`), a CPU catalog id or `.gguf` URL (`cpu`). */
  @property() model = '';
  /** Who the user's memories are about ("Ana likes tea"); default `User`. */
  @property() speaker = '';
  /** `none` (keyword search only, the default), `default` (the app's embedding model) or a transformers.js id. */
  @property() embedder = 'none';

  @provide({ context: settingsContext }) @state() private settings?: Settings;
  @state() private conversationId?: string;

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const keys = ['provider', 'baseUrl', 'model', 'speaker', 'embedder'] as const;
    if (this.agent && this.memory && keys.some((k) => changed.has(k))) {
      void this.configureAgent(this.agent).catch((err: unknown) => this.fail(err));
    }
  }

  protected override async configureAgent(agent: MemoryAgent): Promise<void> {
    const settings = this.agentSettings();
    this.settings = toSettings(settings);
    await agent.configure(settings);
    this.conversationId ??= agent.conversation;
    this.startError = '';
  }

  protected override renderView() {
    return html`<mr-chat
      part="chat"
      exportparts="log, composer, message, send"
      .conversationId=${this.conversationId}
      @mr-select-conversation=${(e: CustomEvent<{ id: string }>) => (this.conversationId = e.detail.id)}
    ></mr-chat>`;
  }

  private agentSettings(): AgentSettings {
    const model = this.model.trim();
    return {
      provider:
        this.provider === 'local'
          ? { kind: 'local', baseUrl: this.baseUrl, model }
          : { kind: this.provider === 'cpu' ? 'cpu' : 'webllm', ...(model && { model }) },
      ...(this.speaker && { speaker: this.speaker }),
      embedder: embedderOption(this.embedder),
    };
  }
}

function embedderOption(value: string): EmbedderOptions {
  const name = value.trim();
  return name === 'none' || name === 'default' ? name : name ? { model: name } : 'none';
}

declare global {
  interface HTMLElementTagNameMap {
    'memory-r1-chat': MemoryR1Chat;
  }
}
