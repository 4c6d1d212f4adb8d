// The taskboard's board page rendered on the server (examples/taskboard,
// `/board/{board_id}`: real Node render workers under the real Rust server)
// and hydrated in Chromium: the first response already shows the board, the
// client asks for none of what the page carried, and afterwards it behaves
// as the client-rendered page does (taskboard.test.mjs).

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { buildAll, launchBrowser, startServer, trackApi, waitForText } from './support.mjs';

let browser;
let app;
let page;
let api;
/**
 * Errors the page logged (a hydration mismatch is one: React's #418/#423/#425),
 * and responses that failed (but the favicon the demo does not have).
 */
let errors;

before(async () => {
  buildAll();
  browser = await launchBrowser();
});
after(async () => browser?.close());

beforeEach(async () => {
  app = await startServer('taskboard', 'MIZAN_DEMO_ADDR');
  await browser.context.clearCookies();
  page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  api = trackApi(page);
  errors = [];
  page.on('console', (message) => {
    // A failed response is logged without its URL: it is recorded below, with it.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400 && url.pathname !== '/favicon.ico') errors.push(`${response.status()} ${url.pathname}`);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
});
afterEach(async () => {
  await page?.close();
  await app?.stop();
});

/** The page's HTML as the server sends it, before any script ran. */
async function firstResponse(path) {
  const response = await fetch(`${app.url}${path}`);
  return { status: response.status, render: response.headers.get('x-mizan-render'), html: await response.text() };
}

/** Opens `/board/1` (and a hash route on it) and waits until the page is hydrated and settled. */
async function openHydrated(hash = '') {
  await page.goto(`${app.url}/board/1${hash}`);
  // The sidebar's other board is not on the page: its fetch, answered, means the client runs.
  await waitForText(page, 'board-progress-2', '1 of 3 done');
  await api.quiet();
}

test('the first HTML response already contains the board and the data it was rendered from', async () => {
  const { status, render, html } = await firstResponse('/board/1');
  assert.equal(status, 200);
  assert.equal(render, 'server');
  for (const title of ['Write the launch announcement', 'Set up the status page', 'Review the pricing page copy', 'Draft the onboarding email']) {
    assert.ok(html.includes(`>${title}<`), `${title} is in the HTML`);
  }
  assert.match(html, /Signed in as Ada Lovelace/);
  // React separates adjacent text nodes with empty comments.
  assert.match(html.replaceAll('<!-- -->', ''), /data-testid="board-progress-1">1 of 6 done</);
  assert.match(html, /<script>window\.__MIZAN_SSR_DATA__=\{"contexts":\{"board;board_id=1":\{/);
  // The client bundle, from the Vite manifest.
  assert.match(html, /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
});

test('hydration asks for none of the instances the page carried', async () => {
  await openHydrated();
  // The sidebar's second board was not rendered on the server: it is the one request.
  assert.deepEqual(api.contexts(), ['board;board_id=2']);
  assert.equal(api.calls(), 0);
  assert.deepEqual(errors, [], 'no hydration mismatch, no error');
  await waitForText(page, 'current-user', 'Signed in as Ada Lovelace');
  await waitForText(page, 'board-progress-1', '1 of 6 done');
});

test('after hydration, a move is one request that brings its board back and a rename costs only its call, as client-rendered', async () => {
  await openHydrated('#/board/1/task/2');
  // The task panel opens from the hash after hydration: its own instance, fetched once.
  await waitForText(page, 'description', 'Public page with API and dashboard health.');
  await api.quiet();
  assert.deepEqual(api.contexts().sort(), ['board;board_id=2', 'task;task_id=2']);
  api.reset();

  await page.getByTestId('move-review').click();
  await page.getByTestId('column-review').getByTestId('card-2').waitFor();
  await api.quiet();
  // Single-flight: the board the move scopes comes back with the reply.
  assert.deepEqual(api.contexts(), []);
  assert.equal(api.calls(), 1);
  api.reset();

  await page.getByTestId('rename').click();
  await page.getByTestId('rename-input').fill('Set up the public status page');
  await page.getByTestId('rename-save').click();
  await waitForText(page, 'card-2', /^Set up the public status page#2/);
  await api.quiet();
  assert.deepEqual(api.contexts(), []);
  assert.equal(api.calls(), 1);
  assert.deepEqual(errors, []);
});

test('a board the caller cannot read answers its status with an error page, and no data', async () => {
  const missing = await firstResponse('/board/9');
  assert.equal(missing.status, 404);
  assert.equal(missing.render, 'error');
  assert.match(missing.html, /<h1>404 Not Found<\/h1><p>There is no board 9\.<\/p>/);
  assert.ok(!missing.html.includes('__MIZAN_SSR_DATA__'));
  assert.ok(!missing.html.includes('<script'));

  const bad = await firstResponse('/board/nine');
  assert.equal(bad.status, 422);
  assert.equal(bad.render, 'error');

  // In the browser: the error page, and no client that would fetch anything.
  const response = await page.goto(`${app.url}/board/9`);
  assert.equal(response?.status(), 404);
  await page.locator('main.mizan-error h1').filter({ hasText: '404 Not Found' }).waitFor();
  await api.quiet();
  assert.deepEqual(api.all(), []);
});

test('a caller whose credentials the server does not accept gets 401 and the error page, with none of the data', async () => {
  // The demo accepts no MWT: a page asked for with one is refused before any
  // context is read (401), as `/ctx/` would refuse it.
  await page.setExtraHTTPHeaders({ 'x-mizan-token': 'not.a.token' });
  const response = await page.goto(`${app.url}/board/1`);
  assert.equal(response?.status(), 401);
  assert.equal(response?.headers()['x-mizan-render'], 'error');
  const html = await response.text();
  assert.ok(!html.includes('__MIZAN_SSR_DATA__'), 'no hydration data');
  assert.ok(!html.includes('Set up the status page'), 'no task of the board');
  await page.locator('main.mizan-error h1').filter({ hasText: '401 Unauthorized' }).waitFor();
  await api.quiet();
  assert.deepEqual(api.all(), [], 'no client runs on an error page');
});
