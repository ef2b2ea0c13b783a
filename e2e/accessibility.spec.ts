/**
 * axe-core on each main view (chat, memories, settings, onboarding, models), in light and dark themes, plus
 * screenshots of the views at desktop and phone widths under test-results/screenshots/, and keyboard-only chatting.
 */
import { checkA11y, expect, openMemories, openSettings, screenshot, send, test } from './fixtures';

for (const scheme of ['light', 'dark'] as const) {
  for (const [width, height, label] of [
    [1280, 800, 'desktop'],
    [390, 844, 'phone'],
  ] as const) {
    test(`main views pass axe and are captured (${scheme}, ${label})`, async ({ app, network }) => {
      await app.emulateMedia({ colorScheme: scheme });
      await app.setViewportSize({ width, height });
      await send(app, network, 'My sister Ana lives in Lisbon. She teaches **music**.');
      await expect(app.getByText('Remembered').first()).toBeVisible();
      await send(app, network, 'Where does my sister Ana live?');
      await checkA11y(app, 'chat');
      await screenshot(app, `chat-${label}-${scheme}`);

      await openMemories(app);
      await checkA11y(app, 'memories');
      await screenshot(app, `memories-${label}-${scheme}`);

      await openSettings(app);
      await checkA11y(app, 'settings');
      await screenshot(app, `settings-${label}-${scheme}`);

      await app.goto('/#/models');
      await expect(app.getByRole('list', { name: 'Model catalog' })).toBeVisible();
      await checkA11y(app, 'models');
      await screenshot(app, `models-${label}-${scheme}`);

      await app.goto('/#/welcome');
      await expect(app.getByRole('button', { name: 'Use a local server' }).first()).toBeVisible();
      await checkA11y(app, 'onboarding');
      await screenshot(app, `onboarding-${label}-${scheme}`);
    });
  }
}

test('chats with the keyboard only, with focus moved to each new view', async ({ app, network }) => {
  network.typed.push('I grow tomatoes on my balcony.');
  await app.getByRole('textbox', { name: 'Message' }).focus();
  await app.keyboard.type('I grow tomatoes on my balcony.');
  await app.keyboard.press('Enter');
  await expect(app.getByRole('article', { name: 'Assistant replied' })).toBeVisible();
  await expect(app.getByRole('button', { name: 'Send' })).toBeVisible();
  await expect(app.getByRole('textbox', { name: 'Message' })).toBeFocused();
  await app.getByRole('button', { name: 'Memories' }).first().focus();
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { name: 'Memories', level: 1 })).toBeFocused();
});
