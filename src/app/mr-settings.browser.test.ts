// <mr-settings> and <mr-onboarding> in Chromium, found by role and accessible name as the end-to-end tests find
// them: Settings saves the user's name trimmed and refuses a bad one beside the field, saves the review threshold,
// and shows the app's version;
// both views show the same Server URL and Model fields, with their messages as accessible descriptions. Locators
// are the end-to-end tests' own (a name matches as a substring), so each must find exactly one element. Import
// posts the file's document to a memory worker over a real MessageChannel, as the app does.
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { MemoryWorkerClient, type MemoryService } from '../agent/memory-worker-client';
import type { MemoryRpc } from '../protocol/memory-protocol';
import { serveRpc } from '../core/rpc';
import { DEFAULT_SETTINGS, USER_NAME_MAX_LENGTH } from '../protocol/settings';
import { mountView as mount, noWebGpuModels, removeViews } from './fixtures/mount-view';
import { MrOnboarding } from './mr-onboarding';
import { MrSettings } from './mr-settings';
import { version } from '../../package.json';

if (!customElements.get('mr-settings')) customElements.define('mr-settings', MrSettings);
if (!customElements.get('mr-onboarding')) customElements.define('mr-onboarding', MrOnboarding);

afterEach(removeViews);

/** The id of the element focused inside `element`'s shadow root. */
const focusedId = (element: HTMLElement) => () => element.shadowRoot?.activeElement?.id;

describe('<mr-settings> Your name', () => {
  it('saves the name trimmed', async () => {
    const { saved } = await mount('mr-settings', { ...DEFAULT_SETTINGS, onboarded: true });
    const name = page.getByRole('textbox', { name: 'Your name' });
    await expect.element(name).toHaveValue('');
    await expect.element(name).toHaveAccessibleDescription(/Empty: "User"/);
    await name.fill('  Ana Sousa ');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.element(page.getByText('Saved.')).toBeVisible();
    expect(saved.map((s) => s.userName)).toEqual(['Ana Sousa']);
  });

  it('refuses a name that is too long beside the field, and saves nothing', async () => {
    const { element, saved } = await mount('mr-settings', { ...DEFAULT_SETTINGS, onboarded: true });
    const name = page.getByRole('textbox', { name: 'Your name' });
    await name.fill('a'.repeat(USER_NAME_MAX_LENGTH + 1));
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.element(name).toHaveAttribute('aria-invalid', 'true');
    await expect.element(name).toHaveAccessibleDescription(new RegExp(`use at most ${USER_NAME_MAX_LENGTH}`));
    await expect.poll(focusedId(element)).toBe('userName');
    expect(saved).toEqual([]);
  });
});

describe('<mr-settings> Embedding model', () => {
  it('offers Universal Sentence Encoder lite and saves its id', async () => {
    const { saved } = await mount('mr-settings', { ...DEFAULT_SETTINGS, onboarded: true });
    const select = page.getByRole('combobox', { name: 'Embedding model' });
    await expect
      .element(
        select.getByRole('option', { name: 'Universal Sentence Encoder lite (English, bundled) (28 MB)' }),
      )
      .toBeInTheDocument();
    await select.selectOptions('use-lite');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.element(page.getByText('Saved.')).toBeVisible();
    expect(saved.map((s) => s.embeddingModel)).toEqual(['use-lite']);
  });
});

describe('<mr-settings> review before forgetting', () => {
  it('saves the threshold as numbers, and refuses an empty count beside its field', async () => {
    const { element, saved } = await mount('mr-settings', { ...DEFAULT_SETTINGS, onboarded: true });
    const count = page.getByRole('spinbutton', { name: 'forget more than this many memories' });
    const share = page.getByRole('spinbutton', { name: 'percentage of the memories it compared' });
    await expect.element(count).toHaveValue(5);
    await expect.element(share).toHaveValue(50);
    await expect.element(count).toHaveAccessibleDescription(/wait under "Review changes"/);
    await count.fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.element(count).toHaveAttribute('aria-invalid', 'true');
    await expect.element(count).toHaveAccessibleDescription(/whole number of memories from 0 to 1000/);
    await expect.poll(focusedId(element)).toBe('reviewMaxDeletes');
    expect(saved).toEqual([]);

    await count.fill('10');
    await share.fill('100');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.element(page.getByText('Saved.')).toBeVisible();
    expect(saved.map((s) => [s.reviewMaxDeletes, s.reviewMaxDeletePercent])).toEqual([[10, 100]]);
  });
});

describe('<mr-settings> version', () => {
  it("shows package.json's version when the build sets none", async () => {
    await mount('mr-settings', { ...DEFAULT_SETTINGS, onboarded: true });
    await expect.element(page.getByText(`Memory-R1 version ${version}`)).toBeVisible();
  });
});

describe('Server URL and Model fields', () => {
  it('in Settings: named, described by their hints, and an error focuses its field', async () => {
    const { element } = await mount('mr-settings', {
      ...DEFAULT_SETTINGS,
      provider: 'local',
      model: 'test-model',
      onboarded: true,
    });
    const url = page.getByRole('textbox', { name: 'Server URL' });
    const model = page.getByRole('textbox', { name: 'Model' });
    await expect.element(url).toHaveValue(DEFAULT_SETTINGS.baseUrl);
    await expect.element(url).toHaveAccessibleDescription(/On this computer only/);
    await expect.element(model).toHaveValue('test-model');
    await expect.element(model).toHaveAccessibleDescription(/lists under \/v1\/models/);
    for (const role of ['Memory Manager model', 'Answer Agent model']) {
      await expect.element(page.getByRole('combobox', { name: role })).toHaveAttribute('list', 'role-models');
    }
    await url.fill('https://api.example.com/v1');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.element(url).toHaveAttribute('aria-invalid', 'true');
    await expect.element(url).toHaveAccessibleDescription(/is not this machine/);
    await expect.poll(focusedId(element)).toBe('baseUrl');
  });

  it('in onboarding: the same fields, and a missing model is refused beside its field', async () => {
    const { element, saved } = await mount('mr-onboarding', DEFAULT_SETTINGS, { models: noWebGpuModels });
    await page.getByRole('button', { name: 'Use a local server' }).click();
    const url = page.getByRole('textbox', { name: 'Server URL' });
    const model = page.getByRole('textbox', { name: 'Model' });
    await expect.poll(focusedId(element)).toBe('ob-url');
    await expect.element(url).toHaveAccessibleDescription(/On this computer only/);
    await expect.element(model).toHaveAccessibleDescription(/lists under \/v1\/models/);
    await page.getByRole('button', { name: 'Use this server' }).click();
    await expect.element(model).toHaveAttribute('aria-invalid', 'true');
    await expect.element(model).toHaveAccessibleDescription(/Enter a model name/);
    await expect.poll(focusedId(element)).toBe('ob-model');
    expect(saved).toEqual([]);
    await model.fill('test-model');
    await page.getByRole('button', { name: 'Use this server' }).click();
    await expect
      .poll(() => saved)
      .toMatchObject([{ provider: 'local', baseUrl: DEFAULT_SETTINGS.baseUrl, model: 'test-model' }]);
  });
});

describe('<mr-settings> Import memories', () => {
  /** A memory worker reached over a MessageChannel, as the app's is: what the page sends is structured-cloned. */
  function memoryWorker(imported: unknown[]): MemoryService {
    const { port1, port2 } = new MessageChannel();
    port1.start();
    port2.start();
    serveRpc<Pick<MemoryRpc, 'importMemories'>>(port2, {
      importMemories: ({ data }) => {
        imported.push(data);
        return { added: 1, skipped: 0, conflicts: [] };
      },
    });
    return new MemoryWorkerClient(port1);
  }

  /** Chooses a file with `text` in the hidden file input, as the file chooser does. */
  function choose(element: HTMLElement, name: string, text: string): void {
    const input = element.shadowRoot?.querySelector<HTMLInputElement>('#import-file');
    if (!input) throw new Error('no file input');
    const files = new DataTransfer();
    files.items.add(new File([text], name, { type: 'application/json' }));
    input.files = files.files;
    input.dispatchEvent(new Event('change'));
  }

  it('refuses a deeply nested file with a message that says what to do, sending nothing to the worker', async () => {
    const imported: unknown[] = [];
    const { element } = await mount(
      'mr-settings',
      { ...DEFAULT_SETTINGS, onboarded: true },
      { memory: memoryWorker(imported) },
    );
    const depth = 200_000;
    choose(element, 'deep.json', `{"memories": ${'['.repeat(depth)}${']'.repeat(depth)}}`);
    const status = page.getByText(/deep\.json is nested more than 32 levels deep/);
    await expect.element(status).toBeVisible();
    await expect.element(status).toHaveTextContent(/Choose a file made with Export memories/);
    await expect.element(page.getByText(/postMessage|call stack/)).not.toBeInTheDocument();
    expect(imported).toEqual([]);
  });

  it('still imports a file nested as deep as an export is', async () => {
    const imported: unknown[] = [];
    const { element } = await mount(
      'mr-settings',
      { ...DEFAULT_SETTINGS, onboarded: true },
      { memory: memoryWorker(imported) },
    );
    choose(element, 'plain.json', '[{"text": "Ana likes tea", "tags": [["a", ["b"]]]}]');
    await expect.element(page.getByText(/Imported 1 memories/)).toBeVisible();
    expect(imported).toEqual([[{ text: 'Ana likes tea', tags: [['a', ['b']]] }]]);
  });
});
