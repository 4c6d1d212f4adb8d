// The taskboard demo (examples/taskboard) in Chromium against its real
// server: what a person clicks, and what it costs in requests. The demo is
// live (one socket): a fetch or a call is a frame there, and counts as one
// request; two windows see each other's changes.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { buildAll, launchBrowser, startServer, trackApi, waitForText } from './support.mjs';

const SCREENSHOT = process.env.TASKBOARD_SCREENSHOT ?? '/tmp/taskboard.png';

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

test('a move in the task panel refetches its board once, and no other board', async () => {
  await open('#/board/1/task/2', { taskText: 'Public page with API and dashboard health.' });
  await page.getByTestId('move-review').click();
  // The board's columns (another component, another context) follow by themselves.
  await page.getByTestId('column-review').getByTestId('card-2').waitFor();
  await api.quiet();
  assert.deepEqual(api.contexts(), ['board;board_id=1']);
  assert.equal(api.calls(), 1);
  await waitForText(page, 'board-progress-2', '1 of 3 done');
});

test('completing a task refetches that board and that task, once each', async () => {
  await open('#/board/1/task/3', { taskText: '500 requests per second for ten minutes, p99 under 200 ms.' });
  await page.getByTestId('complete').click();
  await page.getByTestId('column-done').getByTestId('card-3').waitFor();
  await waitForText(page, 'board-progress-1', '2 of 6 done');
  await waitForText(page, 'comments', /marked this done/);
  await api.quiet();
  assert.deepEqual(api.contexts().sort(), ['board;board_id=1', 'task;task_id=3']);
  assert.equal(api.calls(), 1);
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

test('a comment refetches only its task', async () => {
  await open('#/board/1/task/1', { taskText: 'Two paragraphs for the blog and a short version for the newsletter.' });
  await waitForText(page, 'comment-count', '2');
  await page.getByTestId('comment-input').fill('Draft is in the shared folder.');
  await page.getByTestId('comment-submit').click();
  await waitForText(page, 'comment-count', '3');
  await waitForText(page, 'comments', /Draft is in the shared folder\./);
  await api.quiet();
  assert.deepEqual(api.contexts(), ['task;task_id=1']);
});

test('errors come back as MizanErrors with code and status', async () => {
  await open('#/board/1/task/1', { taskText: 'Two paragraphs for the blog and a short version for the newsletter.' });
  const panel = page.getByTestId('task-panel');
  await page.getByTestId('comment-submit').click();
  await waitForText(panel, 'error-code', 'VALIDATION_ERROR');
  await waitForText(panel, 'error-status', '422');
  await waitForText(panel, 'error', /Write something first\./);
  await api.quiet();
  // A failed mutation invalidates nothing.
  assert.deepEqual(api.contexts(), []);
  assert.equal(api.calls(), 1);

  await page.goto(`${app.url}/#/board/9`);
  const board = page.getByTestId('board');
  await waitForText(board, 'error-code', 'NOT_FOUND');
  await waitForText(board, 'error-status', '404');
  await api.quiet();
  // Not retried: a 404 is an answer, not a transient failure.
  assert.deepEqual(api.contexts(), ['board;board_id=9']);
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
  // The log shows what each request did: invalidations, a merge, no refetch after it.
  await waitForText(page, 'netlog', /merge upsert → board\.board_tasks;board_id=1/);
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
    // What the other window shows in its own log: the push, then its one fetch.
    await waitForText(other, 'netlog', /invalidate board;board_id=1/);
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
