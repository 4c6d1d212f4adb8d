// The taskboard desktop app (examples/taskboard-desktop) in a real Tauri
// window: WebKitGTK under Xvfb, driven through tauri-driver and Debian's
// WebKitWebDriver over the WebDriver protocol (plain HTTP, no client
// library). The devtools overlay in the window logs every call, fetch,
// refresh and merge of the kernel, so the test counts what went over IPC;
// the window's resource timing shows that nothing went over HTTP. A
// screenshot of the window is kept in target/desktop-artifacts/.
//
// Run by `scripts/desktop --test` (which builds the app and starts Xvfb);
// needs DISPLAY, `tauri-driver` and `WebKitWebDriver` on PATH, and
// MIZAN_DESKTOP_APP naming the built binary.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, 'target');
const application = process.env.MIZAN_DESKTOP_APP ?? join(targetDir, 'debug', 'taskboard-desktop');
const artifacts = join(targetDir, 'desktop-artifacts');
const PORT = Number(process.env.MIZAN_TAURI_DRIVER_PORT ?? 4444);
const WEBDRIVER = `http://127.0.0.1:${PORT}`;

let driver;
let session;

/** One WebDriver command; its `value`, or an error naming the command. */
async function command(method, path, body) {
  const response = await fetch(`${WEBDRIVER}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const { value } = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${value?.error}: ${value?.message}`);
  return value;
}

const run = (script, ...args) => command('POST', `/session/${session}/execute/sync`, { script, args });

/** Resolves once `check` (a script returning a boolean) holds in the window, within 20 s. */
async function until(check, what, ...args) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await run(`return Boolean((${check})(...arguments));`, ...args)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Waits until the element with `testId` has text matching `pattern`. */
const text = (testId, pattern) =>
  until(
    (id, source) => new RegExp(source).test(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''),
    `${testId} to read ${pattern}`,
    testId,
    pattern.source,
  );

async function click(testId) {
  const element = await command('POST', `/session/${session}/element`, { using: 'css selector', value: `[data-testid="${testId}"]` });
  await command('POST', `/session/${session}/element/${Object.values(element)[0]}/click`, {});
}

/**
 * The devtools overlay's log (in its open shadow root), oldest first:
 * `fetch: fetch board;board_id=2`, `call: move_task({…}) · asks back board;board_id=1`,
 * `refresh: refreshed board;board_id=1 with the reply: no request`.
 */
async function log() {
  const rows = await run(`const root = document.querySelector('[data-testid="mizan-devtools"]')?.shadowRoot;
    return [...(root?.querySelectorAll('[data-testid="devtools-log-row"]') ?? [])].map((row) =>
      row.dataset.kind + ': ' + row.querySelector('.text').textContent);`);
  return rows.reverse();
}

const of = (kind, rows) => rows.filter((r) => r.startsWith(`${kind}: `));

/** Clears the devtools log. */
const clearLog = () => run(`document.querySelector('[data-testid="mizan-devtools"]').shadowRoot.querySelector('[data-testid="devtools-clear"]').click();`);

/** Waits until every call has its reply and the log has not changed for 400 ms, then reads it. */
async function settled() {
  let last = '';
  for (let quiet = 0; quiet < 4; ) {
    await new Promise((done) => setTimeout(done, 100));
    const rows = await log();
    const open = of('call', rows).length > of('reply', rows).length + of('error', rows).length;
    const now = rows.join('\n');
    quiet = !open && now === last ? quiet + 1 : 0;
    last = now;
  }
  return log();
}

/** API requests over HTTP the window made: none, in a desktop app (its functions are in process). */
const httpRequests = () => run(`return performance.getEntriesByType('resource').map((e) => e.name).filter((url) => url.includes('/api/mizan'));`);

async function screenshot(name) {
  mkdirSync(artifacts, { recursive: true });
  const png = Buffer.from(await command('GET', `/session/${session}/screenshot`), 'base64');
  writeFileSync(join(artifacts, name), png);
  return png;
}

function portOpen(port) {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => (socket.destroy(), done(true)));
    socket.on('error', () => done(false));
  });
}

before(async () => {
  assert.ok(process.env.DISPLAY, 'a display (Xvfb) is needed: run this through scripts/desktop --test');
  // Its own process group, so that `after` ends it with WebKitWebDriver and
  // the app (which survive tauri-driver alone, and would keep the test
  // runner waiting on a pipe they inherited); their output goes to a file.
  mkdirSync(artifacts, { recursive: true });
  const output = openSync(join(artifacts, 'tauri-driver.log'), 'w');
  driver = spawn('tauri-driver', ['--port', String(PORT)], { stdio: ['ignore', output, output], detached: true });
  const deadline = Date.now() + 20_000;
  while (!(await portOpen(PORT))) {
    if (Date.now() > deadline) throw new Error('tauri-driver did not listen within 20 s');
    await new Promise((done) => setTimeout(done, 100));
  }
  const created = await command('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application } } },
  });
  session = created.sessionId;
});

after(async () => {
  if (session) await command('DELETE', `/session/${session}`).catch(() => undefined);
  if (driver?.pid) {
    try {
      process.kill(-driver.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
});

test('the window loads the board through IPC, with no HTTP', async () => {
  await text('current-user', /^Signed in as Ada Lovelace$/);
  await text('board-progress-1', /^1 of 6 done$/);
  await text('board-progress-2', /^1 of 3 done$/);
  await settled();
  // The devtools mount after the first fetches began: their instance list, not their log, shows what loaded.
  const instances = await run(`return [...document.querySelector('[data-testid="mizan-devtools"]').shadowRoot
    .querySelectorAll('[data-testid="devtools-instance"]')].map((row) => row.dataset.key + ' ' + row.dataset.status);`);
  assert.deepEqual(instances.sort(), ['board;board_id=1 success', 'board;board_id=2 success', 'global success']);
  assert.deepEqual(await httpRequests(), [], 'no HTTP request: every message went over IPC');
});

test('a move is one message: its board comes back with the reply, no other board is touched', async () => {
  await run('location.hash = "#/board/1/task/2";');
  await text('description', /^Public page with API and dashboard health\.$/);
  await settled();
  await clearLog();
  await click('move-review');
  await until(() => document.querySelector('[data-testid="column-review"] [data-testid="card-2"]'), 'card 2 in Review');
  const seen = await settled();
  const calls = of('call', seen);
  assert.equal(calls.length, 1, seen.join('\n'));
  assert.match(calls[0], /^call: move_task\(.*\) · asks back board;board_id=1$/);
  assert.deepEqual(of('fetch', seen), [], 'no refetch after the call');
  assert.deepEqual(of('refresh', seen), ['refresh: refreshed board;board_id=1 with the reply: no request']);
  await text('board-progress-2', /^1 of 3 done$/);
  // The activity channel's message, pushed to the window.
  await text('activity-list', /moved “Set up the status page” to Review/);
});

test('a rename is merged into the board with no message but the call', async () => {
  await clearLog();
  await click('rename');
  await run(`const input = document.querySelector('[data-testid="rename-input"]');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, 'Status page, public');
    input.dispatchEvent(new Event('input', { bubbles: true }));`);
  await click('rename-save');
  await text('card-2', /^Status page, public#2/);
  const seen = await settled();
  assert.equal(of('call', seen).length, 1, seen.join('\n'));
  assert.match(of('call', seen)[0], /^call: rename_task\(/);
  assert.deepEqual(of('fetch', seen), []);
  assert.ok(of('merge', seen).length > 0, 'the reply merged into the board');
  assert.deepEqual(await httpRequests(), []);
  const png = await screenshot('taskboard.png');
  assert.ok(png.length > 10_000, 'a screenshot of the window');
});
