/**
 * `<mr-app>`: the shell. Owns the settings (stored in `localStorage`, prefilled from a shared link's
 * `?provider=local&baseUrl=…&model=…` or `?provider=cpu&model=…` after validation), starts the memory worker, provides the services to the
 * components through `@lit/context`, routes between chat, memories, settings, models and onboarding (in the URL
 * hash, so Back works), keeps the conversation list, moves focus to each new view's heading, and shows the update
 * prompt when a new version of the app is waiting.
 */
import { LitElement, css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import { BenchmarkClient, type BenchmarkService } from '../agent/benchmark-client';
import { CpuModelClient, type CpuModelService } from '../agent/cpu-models-client';
import { MemoryWorkerClient, type MemoryService } from '../agent/memory-worker-client';
import type { Conversation } from '../core/conversation';
import {
  DEFAULT_SETTINGS,
  SETTINGS_KEY,
  PROVIDER_NAMES,
  SettingsError,
  loadSettings,
  saveSettings,
  settingsFromUrl,
  type Settings,
} from '../protocol/settings';
import { benchmarkContext } from './benchmark-context';
import { cpuModelContext, memoryContext, modelContext, settingsContext } from './context';
import type { Route } from './events';
import { parseRoute, routeHash } from './routes';
import type { ModelService } from '../protocol/model-protocol';
import { registerServiceWorker } from './pwa';
import { sharedStyles } from './shared.styles';
import { ModelClient } from '../agent/model-client';
import { errorMessage } from '../core/errors';

/** The application shell (see the module comment). */
export class MrApp extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        grid-template-rows: auto auto 1fr;
        grid-template-columns: 17rem minmax(0, 1fr);
        grid-template-areas: 'header header' 'banner banner' 'side main';
        height: 100vh;
        height: 100dvh;
      }
      header {
        grid-area: header;
        display: flex;
        align-items: center;
        gap: 0.5rem;
        padding: 0.5rem 0.75rem;
        border-bottom: 1px solid var(--mr-border);
        background: var(--mr-surface);
      }
      .brand {
        font-weight: 700;
        margin-right: auto;
        font-size: 1.05rem;
      }
      header nav {
        display: flex;
        gap: 0.35rem;
      }
      header nav button[aria-current='page'] {
        background: var(--mr-accent);
        color: var(--mr-accent-text);
        border-color: var(--mr-accent);
      }
      .banner {
        grid-area: banner;
      }
      .banner > div {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        flex-wrap: wrap;
        padding: 0.5rem 0.75rem;
        background: var(--mr-surface-2);
        border-bottom: 1px solid var(--mr-border);
      }
      aside {
        grid-area: side;
        border-right: 1px solid var(--mr-border);
        overflow-y: auto;
        background: var(--mr-surface);
      }
      main {
        grid-area: main;
        min-width: 0;
        min-height: 0;
        overflow: hidden;
      }
      .menu {
        display: none;
      }
      @media (max-width: 720px) {
        :host {
          grid-template-columns: minmax(0, 1fr);
          grid-template-areas: 'header' 'banner' 'main';
        }
        .menu {
          display: inline-block;
          margin-right: auto;
        }
        .brand {
          display: none;
        }
        header nav button {
          padding: 0.35rem 0.5rem;
        }
        aside {
          display: none;
        }
        aside.open {
          display: block;
          position: fixed;
          z-index: 10;
          top: 3.25rem;
          left: 0;
          bottom: 0;
          width: min(20rem, 85vw);
          box-shadow: 0 0 0 100vmax rgb(0 0 0 / 35%);
        }
      }
    `,
  ];

  @provide({ context: memoryContext }) memory: MemoryService;
  @provide({ context: modelContext }) models: ModelService = new ModelClient();
  @provide({ context: cpuModelContext }) cpuModels: CpuModelService = new CpuModelClient();
  /** Starts a benchmark worker per run only, so it costs nothing until the Benchmark view is used. */
  @provide({ context: benchmarkContext }) benchmark: BenchmarkService = new BenchmarkClient();
  @provide({ context: settingsContext }) @state() settings: Settings = { ...DEFAULT_SETTINGS };

  @state() private route: Route = { view: 'chat' };
  @state() private conversations: Conversation[] = [];
  @state() private notice?: { text: string; kind: 'info' | 'error' };
  @state() private applyUpdate?: () => void;
  @state() private menuOpen = false;

  private readonly onHashChange = (): void => this.routeFromHash();

  constructor() {
    super();
    this.memory = MemoryWorkerClient.start();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.settings = this.initialSettings();
    void this.memory
      .call('configure', { settings: this.settings })
      .catch((err: unknown) => this.showError(err));
    window.addEventListener('hashchange', this.onHashChange);
    this.routeFromHash();
    void this.refreshConversations();
    registerServiceWorker((apply) => (this.applyUpdate = apply));
    this.addEventListener('mr-navigate', (e) => this.navigate(e.detail));
    this.addEventListener('mr-select-conversation', (e) => {
      this.navigate({ view: 'chat', conversationId: e.detail.id });
      void this.refreshConversations();
    });
    this.addEventListener('mr-new-conversation', () => this.navigate({ view: 'chat' }, true));
    this.addEventListener('mr-rename-conversation', (e) => void this.rename(e.detail.id, e.detail.title));
    this.addEventListener('mr-delete-conversation', (e) => void this.deleteConversation(e.detail.id));
    this.addEventListener('mr-settings-change', (e) => void this.updateSettings(e.detail.settings));
    this.addEventListener('mr-clear-all', () => void this.clearAll());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
  }

  /** Settings from storage, overridden by valid settings in the URL (which are then removed from the URL). */
  private initialSettings(): Settings {
    const stored = loadSettings(localStorage);
    const url = new URL(window.location.href);
    try {
      const fromUrl = settingsFromUrl(url.searchParams, stored);
      if (!fromUrl) return stored;
      saveSettings(localStorage, fromUrl);
      this.notice = {
        text: `Using the ${PROVIDER_NAMES[fromUrl.provider]} setup from the link.`,
        kind: 'info',
      };
      return fromUrl;
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      this.notice = { text: `The link's settings were not applied: ${err.message}`, kind: 'error' };
      return stored;
    } finally {
      for (const key of ['provider', 'baseUrl', 'model']) url.searchParams.delete(key);
      history.replaceState(history.state, '', url.href);
    }
  }

  private routeFromHash(): void {
    const route = parseRoute(window.location.hash);
    const needsSetup = !this.settings.onboarded && route.view === 'chat' && !route.conversationId;
    this.route = needsSetup ? { view: 'onboarding' } : route;
    this.menuOpen = false;
    void this.focusView();
  }

  private navigate(route: Route, focusComposer = false): void {
    const hash = routeHash(route);
    if (window.location.hash !== hash) history.pushState(null, '', hash);
    this.route = route;
    this.menuOpen = false;
    void this.focusView(focusComposer);
  }

  /** Moves focus to the new view's heading (or the message box), so keyboard and screen reader users follow along. */
  private async focusView(focusComposer = false): Promise<void> {
    await this.updateComplete;
    const view = this.renderRoot.querySelector('main > *');
    if (!(view instanceof LitElement)) return;
    await view.updateComplete;
    if (focusComposer || this.route.view === 'chat') {
      if (focusComposer) view.focus();
      return;
    }
    view.renderRoot.querySelector<HTMLElement>('h1')?.focus();
  }

  private async refreshConversations(): Promise<void> {
    try {
      this.conversations = await this.memory.call('listConversations', null);
    } catch (err) {
      this.showError(err);
    }
  }

  private async rename(id: string, title: string): Promise<void> {
    try {
      await this.memory.call('renameConversation', { id, title });
    } catch (err) {
      this.showError(err);
    }
    await this.refreshConversations();
  }

  private async deleteConversation(id: string): Promise<void> {
    try {
      await this.memory.call('deleteConversation', { id });
      if (this.route.view === 'chat' && this.route.conversationId === id) this.navigate({ view: 'chat' });
    } catch (err) {
      this.showError(err);
    }
    await this.refreshConversations();
  }

  private async updateSettings(settings: Settings): Promise<void> {
    this.settings = settings;
    saveSettings(localStorage, settings);
    try {
      await this.memory.call('configure', { settings });
    } catch (err) {
      this.showError(err);
    }
  }

  private async clearAll(): Promise<void> {
    try {
      await this.memory.call('clearAll', null);
      localStorage.removeItem(SETTINGS_KEY);
      this.settings = { ...DEFAULT_SETTINGS };
      await this.memory.call('configure', { settings: this.settings });
      this.notice = { text: 'All data was deleted from this browser.', kind: 'info' };
    } catch (err) {
      this.showError(err);
    }
    await this.refreshConversations();
  }

  private showError(err: unknown): void {
    this.notice = { text: errorMessage(err), kind: 'error' };
  }

  override render() {
    const view = this.route.view;
    const current = (v: Route['view']) => (view === v ? 'page' : nothing);
    const conversationId = this.route.view === 'chat' ? this.route.conversationId : undefined;
    return html`
      <header>
        <button
          class="menu"
          aria-expanded=${this.menuOpen ? 'true' : 'false'}
          aria-controls="sidebar"
          @click=${() => (this.menuOpen = !this.menuOpen)}
        >
          Chats
        </button>
        <span class="brand">Memory-R1</span>
        <nav aria-label="Main">
          <button
            aria-current=${current('chat')}
            @click=${() => this.navigate({ view: 'chat', conversationId })}
          >
            Chat
          </button>
          <button aria-current=${current('memories')} @click=${() => this.navigate({ view: 'memories' })}>
            Memories
          </button>
          <button aria-current=${current('settings')} @click=${() => this.navigate({ view: 'settings' })}>
            Settings
          </button>
        </nav>
      </header>
      <div class="banner">
        ${
          this.applyUpdate
            ? html`<div role="status">
                <span>A new version of Memory-R1 is ready.</span>
                <button class="primary" @click=${() => this.applyUpdate?.()}>Reload to update</button>
              </div>`
            : nothing
        }
        ${
          this.notice
            ? html`<div role=${this.notice.kind === 'error' ? 'alert' : 'status'}>
                <span class=${this.notice.kind === 'error' ? 'error' : ''}>${this.notice.text}</span>
                <button class="link" @click=${() => (this.notice = undefined)}>Dismiss</button>
              </div>`
            : nothing
        }
      </div>
      <aside id="sidebar" class=${this.menuOpen ? 'open' : ''} aria-label="Conversations">
        <mr-conversation-list
          .conversations=${this.conversations}
          .selectedId=${conversationId}
        ></mr-conversation-list>
      </aside>
      <main>${this.renderView(conversationId)}</main>
    `;
  }

  private renderView(conversationId: string | undefined) {
    switch (this.route.view) {
      case 'memories':
        return html`<mr-memory-inspector></mr-memory-inspector>`;
      case 'settings':
        return html`<mr-settings></mr-settings>`;
      case 'models':
        return html`<mr-model-manager></mr-model-manager>`;
      case 'benchmark':
        // The benchmark view is rarely used, so its code loads on first visit.
        void import('./define-benchmark').then(({ defineBenchmark }) => defineBenchmark());
        return html`<mr-benchmark></mr-benchmark>`;
      case 'onboarding':
        return html`<mr-onboarding></mr-onboarding>`;
      case 'chat':
        return html`<mr-chat .conversationId=${conversationId}></mr-chat>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mr-app': MrApp;
  }
}
