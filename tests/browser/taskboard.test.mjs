// The taskboard demo (examples/taskboard) in Chromium against its real
// server: what a person clicks and drags, and what it costs in requests. The
// demo is live (one socket): a fetch or a call is a frame there, and counts
// as one request; two windows see each other's changes. A mutation of what
// the page shows is one request: the instances come back with the reply
// (single-flight). Some tests slow the server (MIZAN_DEMO_DELAY_MS) to see
// what the page shows while a call is on its way.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { buildAll, launchBrowser, startServer, trackApi, waitForText } from './support.mjs';

const SCREENSHOT = process.env.TASKBOARD_SCREENSHOT ?? '/tmp/taskboard.png';
/** How long each call takes on the slowed server: long enough to look at the page while one is on its way. */
const SLOW_MS = 1500;

let browser;
let app;
let page;
let api;

before(async () => {
  buildAll();
  browser = await launchBrowser();
});
after(async () => browser?.close());

// A fresh server (seed state) and a fresh page for every test.
beforeEach(async () => {
  app = await startServer('taskboard', 'MIZAN_DEMO_ADDR');
  await browser.context.clearCookies();
  page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  api = trackApi(page);
});
afterEach(async () => {
  await page?.close();
  await app?.stop();
});

/** Replaces this test's server with one whose every call takes `SLOW_MS`. */
async function slowServer() {
  await app.stop();
  app = await startServer('taskboard', 'MIZAN_DEMO_ADDR', { MIZAN_DEMO_DELAY_MS: String(SLOW_MS) });
}

/** Drags card `id` onto column `column` (HTML drag and drop, as a person does). */
async function drag(id, column) {
  await page.getByTestId(`card-link-${id}`).dragTo(page.getByTestId(`column-${column}`));
}

/** The card `id` in column `column`, once it is there. */
const cardIn = (column, id) => page.getByTestId(`column-${column}`).getByTestId(`card-${id}`).waitFor();

/** Opens a route and waits until the board (and the task, if any) is on screen. */
async function open(hash, { taskText } = {}) {
  await page.goto(`${app.url}/${hash}`);
  await waitForText(page, 'board-progress-1', /of \d+ done/);
  await waitForText(page, 'board-progress-2', /of \d+ done/);
  if (taskText) await waitForText(page, 'description', taskText);
  await api.quiet();
  api.reset();
}

test('the page loads with one request per context instance', async () => {
  await page.goto(`${app.url}/#/board/1`);
  await waitForText(page, 'current-user', 'Signed in as Ada Lovelace');
  await waitForText(page, 'board-progress-1', '1 of 6 done');
  await waitForText(page, 'board-progress-2', '1 of 3 done');
  await page.getByTestId('column-review').getByTestId('card-4').waitFor();
  await api.quiet();
  // The open board and its sidebar entry share one instance: one request.
  assert.deepEqual(api.contexts().sort(), ['board;board_id=1', 'board;board_id=2', 'global']);
  assert.equal(api.calls(), 0);
});

test('two members of a context arrive in one request', async () => {
  await open('#/board/1');
  await page.getByTestId('card-3').click();
  await waitForText(page, 'description', '500 requests per second for ten minutes, p99 under 200 ms.');
  await waitForText(page, 'comments', /The staging database is smaller/);
  await api.quiet();
  assert.deepEqual(api.contexts(), ['task;task_id=3']);
});

test('a move in the task panel is one request: its board comes back with the reply, no other board is touched', async () => {
  await open('#/board/1/task/2', { taskText: 'Public page with API and dashboard health.' });
  await page.getByTestId('move-review').click();
  // The board's columns (another component, another context) follow by themselves.
  await cardIn('review', 2);
  await api.quiet();
  assert.equal(api.calls(), 1);
  assert.deepEqual(api.refreshes(), [['board;board_id=1']], 'the call asks for the board it shows');
  assert.deepEqual(api.contexts(), [], 'no refetch');
  await waitForText(page, 'board-progress-2', '1 of 3 done');
});

test('completing a task is one request: that board and that task come back with the reply', async () => {
  await open('#/board/1/task/3', { taskText: '500 requests per second for ten minutes, p99 under 200 ms.' });
  await page.getByTestId('complete').click();
  await cardIn('done', 3);
  await waitForText(page, 'board-progress-1', '2 of 6 done');
  await waitForText(page, 'comments', /marked this done/);
  await api.quiet();
  assert.equal(api.calls(), 1);
  assert.deepEqual(api.refreshes(), [['board;board_id=1', 'task;task_id=3']]);
  assert.deepEqual(api.contexts(), []);
});

test('dragging a card moves it before the reply arrives, and the move costs exactly one request (slow server)', async () => {
  await slowServer();
  await open('#/board/1');
  await drag(2, 'review');
  await cardIn('review', 2);
  assert.equal(api.replies(), 0, 'the card moved while the call was still on its way');
  assert.equal(api.calls(), 1);
  await waitForText(page, 'board-progress-1', '1 of 6 done');
  await api.quiet();
  assert.equal(api.replies(), 1);
  assert.deepEqual(api.all(), ['WS call move_task'], 'one request: no refetch after it');
  assert.deepEqual(api.refreshes(), [['board;board_id=1']]);
  await cardIn('review', 2); // the server's board agrees
});

test('a move the server refuses is taken back, and its error shows on the card, in words', async () => {
  await slowServer();
  await open('#/board/1');
  // Nobody is assigned to task 6: it cannot be done.
  await drag(6, 'done');
  await cardIn('done', 6);
  assert.equal(api.replies(), 0);
  await waitForText(page.getByTestId('card-6'), 'error-message', '“Draft the onboarding email” has nobody assigned: assign someone before it can be done.');
  await cardIn('todo', 6);
  await api.quiet();
  assert.deepEqual(api.all(), ['WS call move_task'], 'a failed call refreshes and refetches nothing');
  // Moving it where it may go takes the error away.
  await drag(6, 'doing');
  await cardIn('doing', 6);
  await page.getByTestId('card-6').getByTestId('error').waitFor({ state: 'detached' });
});

test('two quick moves both land, in the order they were made', async () => {
  await slowServer();
  await open('#/board/1');
  await drag(1, 'doing');
  await cardIn('doing', 1);
  await drag(1, 'review');
  await cardIn('review', 1);
  await drag(3, 'done');
  await cardIn('done', 3);
  assert.equal(api.replies(), 0, 'all three shown before the first reply');
  await api.quiet();
  assert.equal(api.calls(), 3);
  assert.equal(api.replies(), 3);
  assert.deepEqual(api.contexts(), []);
  // Queued, so the server saw them in order: card 1 ends in review, not doing.
  await page.reload();
  await cardIn('review', 1);
  await cardIn('done', 3);
});

test('renaming merges the card into the board with no request', async () => {
  await open('#/board/1/task/1', { taskText: 'Two paragraphs for the blog and a short version for the newsletter.' });
  await page.getByTestId('rename').click();
  await page.getByTestId('rename-input').fill('Write the launch post');
  await page.getByTestId('rename-save').click();
  await waitForText(page, 'card-1', /^Write the launch post#1/);
  await waitForText(page, 'task-title', /^Write the launch post/);
  await api.quiet();
  assert.deepEqual(api.contexts(), []);
  assert.equal(api.calls(), 1);
});

test('adding a task appends it to the board with no request', async () => {
  await open('#/board/1');
  await page.getByTestId('add-task-input').fill('Book the launch party');
  await page.getByTestId('add-task-submit').click();
  await waitForText(page.getByTestId('column-todo'), 'card-10', /^Book the launch party#10/);
  // The sidebar shows the same instance: it counts the new card too.
  await waitForText(page, 'board-progress-1', '1 of 7 done');
  await api.quiet();
  assert.deepEqual(api.contexts(), []);
  assert.equal(api.calls(), 1);
});

test('editing the description replaces task_detail with no request', async () => {
  await open('#/board/1/task/4', { taskText: 'Check the numbers against the billing plan.' });
  await page.getByTestId('edit-description').click();
  await page.getByTestId('description-input').fill('Numbers checked; waiting for legal.');
  await page.getByTestId('description-save').click();
  await waitForText(page, 'description', 'Numbers checked; waiting for legal.');
  await api.quiet();
  assert.deepEqual(api.contexts(), []);
  assert.equal(api.calls(), 1);
});

test('a comment is one request: its task comes back with the reply', async () => {
  await open('#/board/1/task/1', { taskText: 'Two paragraphs for the blog and a short version for the newsletter.' });
  await waitForText(page, 'comment-count', '2');
  await page.getByTestId('comment-input').fill('Draft is in the shared folder.');
  await page.getByTestId('comment-submit').click();
  await waitForText(page, 'comment-count', '3');
  await waitForText(page, 'comments', /Draft is in the shared folder\./);
  await api.quiet();
  assert.deepEqual(api.refreshes(), [['task;task_id=1']]);
  assert.deepEqual(api.contexts(), []);
});

test('an error shows next to the field it is about, in words, and goes when the user moves on', async () => {
  await open('#/board/1/task/1', { taskText: 'Two paragraphs for the blog and a short version for the newsletter.' });
  const form = page.locator('form.comment-form');
  await page.getByTestId('comment-submit').click();
  await waitForText(form, 'error-message', 'Write something first.');
  assert.equal(await form.getByTestId('error').getAttribute('data-code'), 'VALIDATION_ERROR');
  await api.quiet();
  assert.deepEqual(api.contexts(), [], 'a failed mutation invalidates nothing');
  assert.equal(api.calls(), 1);
  // Typing again: the message was about what was there before.
  await page.getByTestId('comment-input').fill('x');
  await form.getByTestId('error').waitFor({ state: 'detached' });

  // A failed rename stays with its task: another task's panel does not show it.
  await page.getByTestId('rename').click();
  await page.getByTestId('rename-input').fill('   ');
  await page.getByTestId('rename-save').click();
  const panel = page.getByTestId('task-panel');
  await waitForText(panel, 'error-message', 'A task needs a title.');
  await page.getByTestId('card-2').click();
  await waitForText(page, 'description', 'Public page with API and dashboard health.');
  assert.equal(await panel.getByTestId('error').count(), 0);
  await page.getByTestId('board-link-2').click();
  await waitForText(page, 'board-progress-2', /of \d+ done/);
  assert.equal(await page.getByTestId('error').count(), 0);
});

test('a board that does not exist says so, and offers no form to add a task to it', async () => {
  await open('#/board/1');
  await page.goto(`${app.url}/#/board/9`);
  const missing = page.getByTestId('board-missing');
  await waitForText(missing, 'error-message', 'There is no board 9.');
  assert.equal(await missing.getByTestId('error').getAttribute('data-code'), 'NOT_FOUND');
  assert.equal(await page.getByTestId('add-task-input').count(), 0);
  await api.quiet();
  // Not retried: a 404 is an answer, not a transient failure.
  assert.deepEqual(api.contexts(), ['board;board_id=9']);
});

test('Escape closes the task panel', async () => {
  await open('#/board/1/task/2', { taskText: 'Public page with API and dashboard health.' });
  await page.keyboard.press('Escape');
  await page.getByTestId('task-panel').waitFor({ state: 'detached' });
  assert.equal(new URL(page.url()).hash, '#/board/1');
});

test('the devtools overlay lists the instances on the page and what a move did', async () => {
  await open('#/board/1/task/2', { taskText: 'Public page with API and dashboard health.' });
  const devtools = page.getByTestId('mizan-devtools');
  const keys = async () => (await devtools.getByTestId('devtools-instance').evaluateAll((rows) => rows.map((r) => r.dataset.key))).sort();
  await waitForText(devtools, 'devtools-counts', /^4 instances/);
  assert.deepEqual(await keys(), ['board;board_id=1', 'board;board_id=2', 'global', 'task;task_id=2']);
  const board = devtools.locator('[data-testid="devtools-instance"][data-key="board;board_id=1"]');
  assert.equal(await board.getAttribute('data-status'), 'success');
  await page.getByTestId('move-review').click();
  await cardIn('review', 2);
  await waitForText(devtools, 'devtools-log', /move_task\(\{"board_id":1,"task_id":2,"column":"review"\}\) · asks back board;board_id=1/);
  await waitForText(devtools, 'devtools-log', /refreshed board;board_id=1 with the reply: no request/);
});

test('the layout holds at 800 px: nothing spills sideways, the panel and the board both usable', async () => {
  await page.setViewportSize({ width: 800, height: 720 });
  await open('#/board/1/task/2', { taskText: 'Public page with API and dashboard health.' });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 800, `the page is ${width} px wide`);
  const panel = await page.getByTestId('task-panel').boundingBox();
  assert.ok(panel && panel.x >= 0 && panel.x + panel.width <= 800, `the panel is inside the window: ${JSON.stringify(panel)}`);
  await page.getByTestId('move-review').click();
  await cardIn('review', 2);
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-800.png') });
});

test('a screenshot of the demo after a few clicks', async () => {
  await open('#/board/1/task/2', { taskText: 'Public page with API and dashboard health.' });
  await page.getByTestId('comment-input').fill('Status page is up at status.example.com.');
  await page.getByTestId('comment-submit').click();
  await waitForText(page, 'comment-count', '2');
  await page.getByTestId('move-review').click();
  await page.getByTestId('column-review').getByTestId('card-2').waitFor();
  await page.getByTestId('rename').click();
  await page.getByTestId('rename-input').fill('Set up the public status page');
  await page.getByTestId('rename-save').click();
  await waitForText(page, 'card-2', /^Set up the public status page#2/);
  await api.quiet();
  // The devtools log shows what each request did: the refreshed board, the merge, no refetch after it.
  await waitForText(page, 'devtools-log', /merge upsert board\.board_tasks;board_id=1/);
  await page.screenshot({ path: SCREENSHOT });
});

test('live: moving a card in one window moves it in the other, which sends nothing but the refetch the push named', async () => {
  await open('#/board/1/task/2', { taskText: 'Public page with API and dashboard health.' });
  const other = await browser.context.newPage();
  other.setDefaultTimeout(10_000);
  const otherApi = trackApi(other);
  try {
    await other.goto(`${app.url}/#/board/1`);
    await waitForText(other, 'board-progress-1', '1 of 6 done');
    await other.getByTestId('column-doing').getByTestId('card-2').waitFor();
    await other.getByTestId('activity-status').and(other.locator('[data-status="joined"]')).waitFor();
    await otherApi.quiet();
    otherApi.reset();

    await page.getByTestId('move-review').click();
    await other.getByTestId('column-review').getByTestId('card-2').waitFor();
    await otherApi.quiet();
    assert.deepEqual(otherApi.all(), ['WS fetch board;board_id=1'], 'no HTTP request, one fetch frame');
    assert.deepEqual(otherApi.pushes(), ['message activity;board_id=1', 'invalidate board;board_id=1']);
    assert.equal(otherApi.sockets(), 1, 'one socket since the page loaded');
    // What the other window shows in its devtools: the push, then its one fetch.
    await waitForText(other, 'devtools-log', /server push: board;board_id=1/);
    await waitForText(other, 'devtools-log', /^.*fetch board;board_id=1/);
    // No polling: nothing more until the next change.
    otherApi.reset();
    await other.waitForTimeout(1000);
    assert.deepEqual(otherApi.all(), []);
  } finally {
    await other.close();
  }
});

test('live: the activity feed shows a change made in another window, and a note reaches every window', async () => {
  await open('#/board/1');
  const other = await browser.context.newPage();
  other.setDefaultTimeout(10_000);
  try {
    await other.goto(`${app.url}/#/board/1`);
    for (const p of [page, other]) await p.getByTestId('activity-status').and(p.locator('[data-status="joined"]')).waitFor();
    await other.getByTestId('add-task-input').fill('Order the stickers');
    await other.getByTestId('add-task-submit').click();
    await waitForText(page, 'activity-list', /Ada added “Order the stickers”/);
    await waitForText(page.getByTestId('column-todo'), 'card-10', /^Order the stickers#10/);

    await page.getByTestId('activity-input').fill('Stickers are on me');
    await page.getByTestId('activity-send').click();
    for (const p of [page, other]) await waitForText(p, 'activity-list', /Stickers are on me/);
    // Another board is another channel: its feed heard nothing.
    await other.goto(`${app.url}/#/board/2`);
    await other.getByTestId('activity-status').and(other.locator('[data-status="joined"]')).waitFor();
    await waitForText(other, 'activity-list', /Changes and notes from every window/);
  } finally {
    await other.close();
  }
});
