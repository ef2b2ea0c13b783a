/** The core flows with the Local server provider: remember, recall in a new conversation, correct, persist. */
import { expect, openMemories, send, test, TEST_SERVER } from './fixtures';

test('remembers a fact the user tells and shows it under the turn and in Memories', async ({
  app,
  network,
}) => {
  await send(app, network, 'My sister Ana lives in Lisbon.');
  const turn = app.getByRole('article', { name: 'You said' });
  await expect(turn.getByText('Remembered')).toBeVisible();
  await expect(turn.getByText(/Ana lives in Lisbon/)).toHaveCount(2);
  const memories = await openMemories(app);
  await expect(memories.getByRole('listitem')).toHaveCount(1);
  await expect(memories.getByRole('listitem').first()).toContainText('Ana lives in Lisbon');
});

test('answers in a new conversation from a memory made in an earlier one', async ({ app, network }) => {
  await send(app, network, 'My sister Ana lives in Lisbon.');
  await expect(app.getByText('Remembered')).toBeVisible();
  await app.getByRole('button', { name: 'New conversation' }).click();
  await expect(app.getByRole('article')).toHaveCount(0);
  await send(app, network, 'Where does my sister Ana live?');
  const reply = app.getByRole('article', { name: 'Assistant replied' });
  await expect(reply).toContainText('Lisbon');
  await reply.getByText('Used 1 memory').click();
  await expect(reply.getByRole('list', { name: 'Memories this answer used' })).toContainText(
    'Ana lives in Lisbon',
  );
  await expect(app.getByRole('complementary', { name: 'Conversations' }).getByRole('listitem')).toHaveCount(
    2,
  );
});

test('edits, deletes and undoes memories in the inspector, with history', async ({ app, network }) => {
  await send(app, network, 'I work as a nurse in Porto.');
  await expect(app.getByText('Remembered')).toBeVisible();
  const memories = await openMemories(app);
  const item = memories.getByRole('listitem').first();

  await item.getByRole('button', { name: 'Edit' }).click();
  await memories.getByRole('textbox', { name: 'Memory text' }).fill('I work as a doctor in Porto.');
  await memories.getByRole('button', { name: 'Save' }).click();
  await expect(item).toContainText('I work as a doctor in Porto.');

  await item.getByRole('button', { name: 'History' }).click();
  const history = app.getByRole('region', { name: /History of/ });
  await expect(history.getByRole('row')).toHaveCount(3);
  await expect(history).toContainText('Changed');

  await memories.getByRole('button', { name: 'Undo' }).click();
  await expect(item).toContainText('nurse in Porto');

  await item.getByRole('button', { name: 'Delete' }).click();
  await expect(memories.getByRole('listitem')).toHaveCount(0);
  await expect(memories).toContainText('Nothing remembered yet.');
  await memories.getByRole('button', { name: 'Undo' }).click();
  await expect(memories.getByRole('listitem')).toHaveCount(1);
});

test('undoes a turn’s memory change from the chat', async ({ app, network }) => {
  await send(app, network, 'My favourite fruit is mango.');
  const turn = app.getByRole('article', { name: 'You said' });
  await turn.getByRole('button', { name: 'Undo' }).click();
  await expect(turn.getByText('(undone)')).toBeVisible();
  const memories = await openMemories(app);
  await expect(memories.getByRole('listitem')).toHaveCount(0);
});

test('finds conversations, messages and memories again after a reload', async ({ app, network }) => {
  await send(app, network, 'My dog is called Pixel.');
  await expect(app.getByText('Remembered')).toBeVisible();
  await app.reload();
  const sidebar = app.getByRole('complementary', { name: 'Conversations' });
  await sidebar.getByRole('button', { name: 'My dog is called Pixel.', exact: true }).click();
  await expect(app.getByRole('article', { name: 'You said' })).toContainText('My dog is called Pixel.');
  await expect(app.getByRole('article', { name: 'You said' }).getByText('Remembered')).toBeVisible();
  await expect(app.getByRole('article', { name: 'Assistant replied' })).toHaveCount(1);
  const memories = await openMemories(app);
  await expect(memories.getByRole('listitem')).toContainText('dog is called Pixel');
});

test('keeps typing possible while a reply streams, and renders markdown without running HTML', async ({
  app,
  network,
}) => {
  await send(app, network, 'I like <b>bold</b> <img src=x onerror="window.pwned=1"> tea.');
  await expect(app.getByRole('article', { name: 'You said' })).toContainText('<img src=x');
  expect(await app.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  const box = app.getByRole('textbox', { name: 'Message' });
  await expect(box).toBeEditable();
});

test('sends what the user types only to the local server', async ({ app, network }) => {
  await send(app, network, 'My bank PIN hint is the blue bicycle.');
  await expect(app.getByText('Remembered')).toBeVisible();
  const toServer = network.requests.filter((r) => r.url.startsWith(TEST_SERVER.replace(/v1$/, '')));
  expect(toServer.some((r) => r.body.includes('blue bicycle'))).toBe(true);
  const elsewhere = network.requests.filter((r) => !/^(127\.0\.0\.1|localhost)$/.test(r.host));
  for (const r of elsewhere) expect(`${r.url} ${r.body}`).not.toContain('blue bicycle');
});

test('renames and removes a conversation from the list', async ({ app, network }) => {
  await send(app, network, 'I collect old maps.');
  const sidebar = app.getByRole('complementary', { name: 'Conversations' });
  await sidebar.getByRole('button', { name: 'Rename conversation I collect old maps.' }).click();
  const title = sidebar.getByRole('textbox', { name: 'Conversation title' });
  await expect(title).toBeFocused();
  await title.fill('Maps');
  await title.press('Enter');
  await expect(sidebar.getByRole('button', { name: 'Maps', exact: true })).toBeVisible();
  await sidebar.getByRole('button', { name: 'Remove conversation Maps' }).click();
  await sidebar.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(sidebar.getByRole('listitem')).toHaveCount(0);
  await expect(app.getByRole('article')).toHaveCount(0);
});
