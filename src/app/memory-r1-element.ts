/**
 * What `<memory-r1-chat>` and `<memory-r1-memories>` share: the `storage-name` attribute and the agent it selects
 * (agent-registry.ts), provided to the app's own views inside (`mr-chat`, `mr-memory-inspector`) through the same
 * context the app uses; the design tokens on `:host`; `mr-memory-change` and `mr-error` for the host page; and the
 * app's internal events kept inside the shadow root.
 */
import { LitElement, css, html, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import type { MemoryAgent } from '../agent/memory-agent';
import { DEFAULT_STORAGE_NAME } from '../agent/memory-agent-options';
import type { MemoryService } from '../agent/memory-worker-client';
import { toErrorData } from '../core/errors';
import { acquireAgent, releaseAgent } from './agent-registry';
import { memoryContext } from './context';
import { mrEvent } from './events';
import { sharedStyles } from './shared.styles';
import { tokenStyles } from './tokens.styles';

/** The app's events that mean nothing outside it; they stop at the element's shadow root. */
const INTERNAL_EVENTS = [
  'mr-navigate',
  'mr-select-conversation',
  'mr-new-conversation',
  'mr-rename-conversation',
  'mr-delete-conversation',
  'mr-settings-change',
  'mr-clear-all',
  'mr-notify',
] as const;

/** Base of the public elements (see the module comment). */
export abstract class MemoryR1Element extends LitElement {
  static override styles = [
    tokenStyles,
    sharedStyles,
    css`
      :host {
        display: block;
        font-family: var(--mr-font);
        color: var(--mr-text);
        background: var(--mr-bg);
        border: 1px solid var(--mr-border);
        border-radius: var(--mr-radius);
        overflow: hidden;
      }
      :host([hidden]) {
        display: none;
      }
      .status {
        padding: 1rem;
        margin: 0;
      }
      .error {
        color: var(--mr-danger);
      }
    `,
  ];

  /** The memory bank: elements with the same name share it; two names on one page never see each other's memories. */
  @property({ attribute: 'storage-name', reflect: true }) storageName = DEFAULT_STORAGE_NAME;

  /** The agent, once started. */
  @state() protected agent?: MemoryAgent;
  /** The agent's protocol client, provided to the app's views inside. */
  @provide({ context: memoryContext }) @state() protected memory?: MemoryService;
  @state() protected startError = '';

  private connectedName?: string;
  private stopListening?: () => void;

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    const swallow = (event: Event): void => event.stopPropagation();
    for (const type of INTERNAL_EVENTS) root.addEventListener(type, swallow);
    return root;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('storageName') && this.isConnected && this.connectedName !== undefined) {
      if (this.connectedName !== this.storageName) {
        this.stop();
        void this.start();
      }
    }
  }

  /** Called once the agent is there, before the views render (the chat configures its model here). */
  protected configureAgent?(agent: MemoryAgent): Promise<void>;

  /** The view rendered over the agent. */
  protected abstract renderView(): unknown;

  override render() {
    if (this.startError)
      return html`<p class="status error" role="alert" part="error">${this.startError}</p>`;
    if (!this.memory) return html`<p class="status" role="status">Opening memory…</p>`;
    return this.renderView();
  }

  /** Shows `err` and tells the host page (`mr-error`). */
  protected fail(err: unknown): void {
    const { code, message } = toErrorData(err);
    this.startError = message;
    this.dispatchEvent(mrEvent('mr-error', { code, message }));
  }

  private async start(): Promise<void> {
    const name = this.storageName;
    this.connectedName = name;
    this.startError = '';
    try {
      const agent = await acquireAgent(name);
      if (this.connectedName !== name) return;
      const onChange = (event: CustomEvent): void =>
        void this.dispatchEvent(mrEvent('mr-memory-change', event.detail));
      agent.addEventListener('memory-change', onChange);
      this.stopListening = () => agent.removeEventListener('memory-change', onChange as EventListener);
      this.agent = agent;
      await this.configureAgent?.(agent);
      this.memory = agent.service;
    } catch (err) {
      if (this.connectedName === name) this.fail(err);
    }
  }

  private stop(): void {
    const name = this.connectedName;
    if (name === undefined) return;
    this.connectedName = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
    this.agent = undefined;
    this.memory = undefined;
    releaseAgent(name);
  }
}
