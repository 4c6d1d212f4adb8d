// The taskboard desktop app (examples/taskboard-desktop) in a real Tauri
// window: WebKitGTK under Xvfb, driven through tauri-driver and Debian's
// WebKitWebDriver over the WebDriver protocol (plain HTTP, no client
// library). The app's own network log records every IPC message and push,
// so the test counts what the kernel sent as the browser suite counts
// requests. A screenshot of the window is kept in target/desktop-artifacts/.
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

/** The app's network log, oldest first: `IPC fetch board;board_id=1`, `IPC call move_task`, `PUSH invalidate`. */
async function log() {
  const rows = await run(`return [...document.querySelectorAll('[data-testid="netlog-row"]')].map((row) =>
    [row.querySelector('.method').textContent, row.querySelector('.path').textContent.trim(), row.querySelector('.status').textContent]);`);
  return rows.reverse().map(([method, path]) => `${method} ${path}`);
}

const ipc = (rows) => rows.filter((r) => r.startsWith('IPC '));
const pushes = (rows) => rows.filter((r) => r.startsWith('PUSH '));

/** Waits until no IPC message is in flight (every row has its status), then reads the log. */
async function settled() {
  await until(() => [...document.querySelectorAll('[data-testid="netlog-row"] .status')].every((s) => s.textContent !== '…'), 'no message in flight');
  // Whatever a reply causes (a refetch) starts within the same task as the reply: one more turn suffices.
  await new Promise((done) => setTimeout(done, 300));
  await until(() => [...document.querySelectorAll('[data-testid="netlog-row"] .status')].every((s) => s.textContent !== '…'), 'no message in flight');
  return log();
}

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

test('the window loads the board through IPC: one message per context instance, no HTTP', async () => {
  await text('current-user', /^Signed in as Ada Lovelace$/);
  await text('board-progress-1', /^1 of 6 done$/);
  await text('board-progress-2', /^1 of 3 done$/);
  const seen = await settled();
  assert.deepEqual(seen.filter((r) => r.startsWith('IPC fetch')).sort(), ['IPC fetch board;board_id=1', 'IPC fetch board;board_id=2', 'IPC fetch global']);
  assert.deepEqual(seen.filter((r) => !r.startsWith('IPC ')), [], 'only IPC: no HTTP request, no socket');
  // Where a page is shown, the kernel subscribes before it fetches (a change in between is not lost).
  assert.ok(seen.includes('IPC subscribe board;board_id=1'), seen.join('\n'));
});

test('a move refetches its board once and no other board (the scoped refetch)', async () => {
  await run('location.hash = "#/board/1/task/2";');
  await text('description', /^Public page with API and dashboard health\.$/);
  await settled();
  await click('netlog-clear');
  await click('move-review');
  await until(() => document.querySelector('[data-testid="column-review"] [data-testid="card-2"]'), 'card 2 in Review');
  const seen = await settled();
  assert.deepEqual(ipc(seen), ['IPC call move_task', 'IPC fetch board;board_id=1']);
  await text('board-progress-2', /^1 of 3 done$/);
  // The move's line on the board's activity channel, pushed to the window (the feed joined it at load).
  await text('activity-list', /moved “Set up the status page” to Review/);
  assert.deepEqual(pushes(seen), ['PUSH message']);
});

test('a rename is merged into the board with no message but the call', async () => {
  await click('netlog-clear');
  await click('rename');
  await run(`const input = document.querySelector('[data-testid="rename-input"]');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, 'Status page, public');
    input.dispatchEvent(new Event('input', { bubbles: true }));`);
  await click('rename-save');
  await text('card-2', /^Status page, public#2/);
  const seen = await settled();
  assert.deepEqual(ipc(seen), ['IPC call rename_task']);
  assert.deepEqual(pushes(seen), ['PUSH message'], 'the rename\'s line on the activity channel');
  const png = await screenshot('taskboard.png');
  assert.ok(png.length > 10_000, 'a screenshot of the window');
});
