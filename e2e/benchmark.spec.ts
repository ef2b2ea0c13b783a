/**
 * The Benchmark view end to end with the Local server provider: pick a LoCoMo file, benchmark conv-30 against the
 * shared test server (its deterministic stand-in answers), read scores per category and tokens per second; a file
 * in another format gets a message. Model hosts are blocked here, so retrieval falls back to keywords. The view
 * with its results passes axe in light and dark themes.
 */
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';

const fixture = fileURLToPath(new URL('../src/eval/fixtures/locomo-mini.json', import.meta.url));

test.beforeEach(async ({ app }) => {
  await app.evaluate(() => {
    window.location.hash = '#/benchmark';
  });
});

test('benchmarks conv-30 of a picked LoCoMo file and shows scores per category and tokens per second', async ({
  app,
}) => {
  const view = app.getByRole('region', { name: 'Benchmark' });
  await view.getByLabel('LoCoMo file').setInputFiles(fixture);
  await expect(view.getByText(/Conversation conv-30 between Chen and Dara/)).toBeVisible();
  await view.getByRole('button', { name: 'Run benchmark' }).click();
  const table = view.getByRole('table', { name: /Scores on conv-30/ });
  await expect(table).toBeVisible();
  await expect(table.getByRole('rowheader')).toHaveText(['overall', 'single-hop', 'temporal']);
  await expect(view.locator('p', { hasText: 'Tokens per second:' })).toContainText(
    /Tokens per second:\s+\d+(\.\d)?\s+\(\d+ output tokens/,
  );
  await expect(view.getByText('Retrieval: keywords only.')).toBeVisible();
  await expect(view.getByText(/Retrieval used keywords only: The embedding model/)).toBeVisible();
  await expect(view.getByRole('button', { name: 'Run benchmark' })).toBeEnabled();

  for (const colorScheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page: app })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const violations = results.violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    expect(violations, `axe violations (${colorScheme})`).toEqual([]);
  }
});

test('explains a file that is not in the LoCoMo format', async ({ app }) => {
  const view = app.getByRole('region', { name: 'Benchmark' });
  await view.getByLabel('LoCoMo file').setInputFiles({
    name: 'notes.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"notes": []}'),
  });
  await expect(view.getByRole('alert')).toContainText('expected a JSON list of conversations');
  await expect(view.getByRole('button', { name: 'Run benchmark' })).toBeDisabled();
});
