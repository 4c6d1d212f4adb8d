// The conformance fixture's generated clients in Chromium, against the real
// fixture server: the same scenarios on the React, Vue and Svelte pages of
// examples/afi-fixture/web, each counting the requests it causes, over HTTP
// and again live (`?live=1`: the same page on the socket, where a fetch or a
// call is a frame and counts as one request), and on the React page once
// more inside a webview host (the page in an iframe of another origin, every
// request a postMessage to its host, which makes it over HTTP and is the one
// counted); then, live, what one page's change does to another page; and a
// host and its page ignoring messages from a foreign origin.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { buildAll, launchBrowser, repoRoot, startServer, staticWithApi, trackApi, waitForText } from './support.mjs';

const DIST = join(repoRoot, 'examples/afi-fixture/web/dist');
const FRAMEWORKS = ['react', 'vue', 'svelte'];
const MODES = [
  { name: 'over HTTP', query: '' },
  { name: 'live', query: 'live=1' },
  { name: 'in a webview host', query: '', webview: true },
];

let browser;

before(async () => {
  buildAll();
  browser = await launchBrowser();
});
after(async () => browser?.close());

/**
 * Opens `framework`'s page on `site` with `query` and waits until every
 * instance on it has data. With `webview`, the page is opened inside the
 * host page (`webview-host/`), from another origin of the same server
 * (`localhost` for `127.0.0.1`); returns where the page's elements are.
 */
async function openPage(page, api, site, framework, query, webview = false) {
  let ui = page;
  if (webview) {
    const inner = new URL(`${site.url.replace('127.0.0.1', 'localhost')}/${framework}/`);
    inner.search = [query, `host=${encodeURIComponent(site.url)}`].filter(Boolean).join('&');
    await page.goto(`${site.url}/webview-host/?page=${encodeURIComponent(inner.href)}`);
    ui = page.frameLocator('iframe[title="page"]');
  } else {
    await page.goto(`${site.url}/${framework}/${query ? `?${query}` : ''}`);
  }
  await waitForText(ui, 'user-1-name', 'alice');
  await waitForText(ui, 'user-2-name', 'bob');
  await waitForText(ui, 'search-o-count', '2 results');
  await waitForText(ui, 'search-special-count', '0 results');
  await api.quiet();
  return ui;
}

for (const framework of FRAMEWORKS) for (const mode of MODES) {
  // The webview transport is the kernel's, the same under every framework: one suffices.
  if (mode.webview && framework !== 'react') continue;
  describe(`the ${framework} page, ${mode.name}`, () => {
    let fixture;
    let site;
    let page;
    let api;
    /** Where the page's elements are: the page, or the iframe inside the host. */
    let ui;

    /** Opens this framework's page in this mode (`extra`: `gc=0`) and waits until every instance on it has data. */
    async function open(extra = '') {
      ui = await openPage(page, api, site, framework, [mode.query, extra].filter(Boolean).join('&'), mode.webview);
    }

    /** Mounts user 3's provider (with its card) and waits for `name` in it. */
    async function mountUser3(name = 'root') {
      await ui.getByTestId('toggle-user-3').click();
      await waitForText(ui, 'user-3-name', name);
    }

    /** Unmounts user 3's provider and waits until its card is gone. */
    async function unmountUser3() {
      await ui.getByTestId('toggle-user-3').click();
      await ui.getByTestId('user-3').waitFor({ state: 'detached' });
    }

    // A fresh fixture (seed state) behind a fresh same-origin page server, per test.
    beforeEach(async () => {
      fixture = await startServer('afi-fixture', 'MIZAN_FIXTURE_ADDR');
      site = await staticWithApi(DIST, fixture.url);
      await browser.context.clearCookies();
      page = await browser.context.newPage();
      page.setDefaultTimeout(10_000);
      api = trackApi(page);
      await open();
    });
    afterEach(async () => {
      await page?.close();
      await site?.stop();
      await fixture?.stop();
    });

    /** Live, every fetch and call went over the socket; over HTTP, none did. */
    function assertTransport() {
      const overHttp = api.http().filter((r) => r.includes('/ctx/') || r.includes('/call/'));
      if (mode.query) assert.deepEqual(overHttp, [], 'live: no fetch or call over HTTP');
      else assert.equal(api.sockets(), 0, 'over HTTP: no socket');
      if (mode.webview) assert.equal(api.fromFrames(), 0, 'every request is the host\'s: the page sends messages only');
    }

    test('each context instance is one request carrying all its members', async () => {
      assert.deepEqual(api.contexts().sort(), ['global', 'items', 'search;q=a b;c', 'search;q=o', 'user;user_id=1', 'user;user_id=2']);
      assert.equal(api.calls(), 0);
      assertTransport();
      // `user_profile` and `user_orders` came in the one user request.
      await waitForText(ui, 'user-1-orders', '3 orders');
      await waitForText(ui, 'current-user', 'anon@example.com (anonymous)');
    });

    // Single-flight (PROTOCOL.md §3.5): a call asks back the shown instances of
    // the contexts it affects that its arguments may scope, and the reply
    // brings them: no refetch after it.
    test('a mutation elsewhere on the page brings back the one instance it scopes with its reply', async () => {
      api.reset();
      await ui.getByTestId('rename-name').fill('Ada');
      await ui.getByTestId('rename-user').click();
      await waitForText(ui, 'user-1-name', 'Ada');
      await api.quiet();
      assert.deepEqual(api.refreshes(), [['user;user_id=1']]);
      assert.deepEqual(api.contexts(), [], 'no refetch');
      assert.equal(api.calls(), 1);
      assertTransport();
      await waitForText(ui, 'user-2-name', 'bob');
    });

    test('a broad invalidation brings back every shown instance of its context with the reply', async () => {
      api.reset();
      await ui.getByTestId('touch-users').click();
      await api.quiet();
      assert.equal(api.replies(), 1);
      assert.deepEqual(api.refreshes().map((keys) => [...keys].sort()), [['user;user_id=1', 'user;user_id=2']]);
      assert.deepEqual(api.contexts(), [], 'no refetch');
    });

    test('a scoped invalidation by a string with delimiters asks back only that instance', async () => {
      api.reset();
      await ui.getByTestId('bump-special').click();
      await api.quiet();
      assert.equal(api.replies(), 1);
      // The key as it goes on the wire (§3.3): `q` percent-encoded.
      assert.deepEqual(api.refreshes(), [['search;q=a%20b%3Bc']]);
      assert.deepEqual(api.contexts(), [], 'no refetch');
    });

    test('a merge (replace of a slot) updates the page with no request', async () => {
      api.reset();
      await ui.getByTestId('rename-user-id').fill('2');
      await ui.getByTestId('rename-name').fill('Bobby');
      await ui.getByTestId('rename-profile').click();
      await waitForText(ui, 'user-2-name', 'Bobby');
      await api.quiet();
      assert.deepEqual(api.contexts(), []);
      assert.equal(api.calls(), 1);
      await waitForText(ui, 'user-1-name', 'alice');
    });

    test('a merge (upsert into a list) replaces or appends with no request', async () => {
      api.reset();
      await ui.getByTestId('item-name').fill('uno');
      await ui.getByTestId('set-item-1').click();
      await waitForText(ui, 'item-1', '1: uno');
      await ui.getByTestId('item-name').fill('three');
      await ui.getByTestId('add-item').click();
      await waitForText(ui, 'item-3', '3: three');
      await api.quiet();
      assert.deepEqual(api.contexts(), []);
      assert.equal(api.calls(), 2);
    });

    test('server errors arrive as typed MizanErrors with code and status', async () => {
      api.reset();
      const cases = [
        ['err-validation', 'VALIDATION_ERROR', '422', /b: a \* b overflows a 64-bit integer/],
        ['err-unauthorized', 'UNAUTHORIZED', '401', /./],
        ['err-not-implemented', 'NOT_IMPLEMENTED', '501', /not_implemented_fn is not implemented/],
        ['err-internal', 'INTERNAL_ERROR', '500', /^INTERNAL_ERROR 500 Internal server error$/],
      ];
      for (const [button, code, status, text] of cases) {
        await ui.getByTestId(button).click();
        await waitForText(ui, `${button}-out`, text);
        const out = ui.getByTestId(`${button}-out`);
        assert.equal(await out.getAttribute('data-code'), code);
        assert.equal(await out.getAttribute('data-status'), status);
        assert.equal(await out.getAttribute('data-typed'), 'true');
      }
      await api.quiet();
      assert.equal(api.calls(), cases.length);
      assert.deepEqual(api.contexts(), [], 'a failed call invalidates nothing');

      // A context fetch that fails: the instance's error, typed the same way.
      await ui.getByTestId('mount-user-99').click();
      await waitForText(ui, 'user-99-error', /^NOT_FOUND 404 No user with id 99$/);
      await api.quiet();
      assert.deepEqual(api.contexts(), ['user;user_id=99'], 'a 404 is not retried');
    });

    test('the ts target calls a function outside the framework', async () => {
      await ui.getByTestId('echo-text').fill('hi');
      await ui.getByTestId('echo').click();
      await waitForText(ui, 'echo-reply', 'echo: hi');
    });

    test('a provider unmounted and remounted within the gc delay finds its instance: no request', async () => {
      api.reset();
      await mountUser3();
      await unmountUser3();
      await mountUser3();
      await api.quiet();
      assert.deepEqual(api.contexts(), ['user;user_id=3']);
    });

    test('an unmounted instance hit by an invalidation is only marked stale, and refetches once on remount', async () => {
      await mountUser3();
      await unmountUser3();
      await api.quiet();
      api.reset();
      await ui.getByTestId('rename-user-id').fill('3');
      await ui.getByTestId('rename-name').fill('Root');
      await ui.getByTestId('rename-user').click();
      await waitForText(ui, 'rename-user-done', 'done');
      await api.quiet();
      assert.deepEqual(api.contexts(), [], 'nothing on screen shows user 3');
      await mountUser3('Root');
      await api.quiet();
      assert.deepEqual(api.contexts(), ['user;user_id=3']);
    });

    test('with a gc delay of 0 ms, a remounted provider finds its instance dropped and fetches it again', async () => {
      await open('gc=0');
      api.reset();
      await mountUser3();
      await unmountUser3();
      await mountUser3();
      await api.quiet();
      assert.deepEqual(api.contexts(), ['user;user_id=3', 'user;user_id=3']);
    });
  });
}

for (const framework of FRAMEWORKS) {
  describe(`two ${framework} pages, live`, () => {
    let fixture;
    let site;
    /** The page that acts, and the page that watches. */
    let acting;
    let watching;
    let watched;

    beforeEach(async () => {
      fixture = await startServer('afi-fixture', 'MIZAN_FIXTURE_ADDR');
      site = await staticWithApi(DIST, fixture.url);
      await browser.context.clearCookies();
      acting = await browser.context.newPage();
      watching = await browser.context.newPage();
      for (const p of [acting, watching]) p.setDefaultTimeout(10_000);
      const actingApi = trackApi(acting);
      watched = trackApi(watching);
      await openPage(acting, actingApi, site, framework, 'live=1');
      await openPage(watching, watched, site, framework, 'live=1');
      await waitForText(watching, 'chat-status', 'joined');
      await watched.quiet();
      watched.reset();
    });
    afterEach(async () => {
      await acting?.close();
      await watching?.close();
      await site?.stop();
      await fixture?.stop();
    });

    test('a mutation in one page updates the other, which sends nothing but the refetch the push named', async () => {
      await acting.getByTestId('rename-name').fill('Ada');
      await acting.getByTestId('rename-user').click();
      await waitForText(watching, 'user-1-name', 'Ada');
      await watched.quiet();
      assert.deepEqual(watched.pushes(), ['invalidate user;user_id=1']);
      assert.deepEqual(watched.all(), ['WS fetch user;user_id=1'], 'no HTTP request, one fetch frame');
      await waitForText(watching, 'user-2-name', 'bob');
      // No polling: the page stays silent until the next change.
      watched.reset();
      await watching.waitForTimeout(1000);
      assert.deepEqual(watched.all(), []);
      assert.equal(watched.sockets(), 1, 'one socket since the page loaded (one request, at connect)');
    });

    test('a merge in one page is spliced into the other with no request at all', async () => {
      await acting.getByTestId('item-name').fill('uno');
      await acting.getByTestId('set-item-1').click();
      await waitForText(watching, 'item-1', '1: uno');
      await watched.quiet();
      assert.deepEqual(watched.pushes(), ['merge items']);
      assert.deepEqual(watched.all(), []);
    });

    test('a chat message sent in one page appears in the other (and in its own)', async () => {
      await waitForText(acting, 'chat-status', 'joined');
      await acting.getByTestId('chat-text').fill('hello from one page');
      await acting.getByTestId('chat-send').click();
      await waitForText(watching, 'chat-messages', 'anon: hello from one page');
      await waitForText(acting, 'chat-messages', 'anon: hello from one page');
      await watched.quiet();
      assert.deepEqual(watched.pushes(), ['message chat;room=general']);
      assert.deepEqual(watched.all(), []);
    });
  });
}

describe('a webview host and its page, with a frame of another origin beside them', () => {
  let fixture;
  let site;
  let foreign;
  let page;
  let api;
  let ui;
  /** The frame of another origin, inside the host page. */
  let stranger;

  // A call and a push, well-formed: only where they come from is wrong.
  const CALL = { mizan: 1, id: 424242, message: { op: 'call', fn: 'rename_user', args: { user_id: 1, name: 'Mallory' } } };
  const PUSH = { mizan: 1, push: { action: 'invalidate', invalidate: ['user'] } };

  beforeEach(async () => {
    fixture = await startServer('afi-fixture', 'MIZAN_FIXTURE_ADDR');
    site = await staticWithApi(DIST, fixture.url);
    // Another port of the same machine: another origin.
    foreign = await staticWithApi(DIST, fixture.url);
    await browser.context.clearCookies();
    page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    api = trackApi(page);
    ui = await openPage(page, api, site, 'react', '', true);
    await page.evaluate(
      (src) =>
        new Promise((done) => {
          const frame = document.createElement('iframe');
          frame.name = 'stranger';
          frame.src = src;
          frame.onload = () => done(undefined);
          document.body.append(frame);
        }),
      `${foreign.url}/`,
    );
    stranger = page.frame({ name: 'stranger' });
    await api.quiet();
    api.reset();
  });
  afterEach(async () => {
    await page?.close();
    await foreign?.stop();
    await site?.stop();
    await fixture?.stop();
  });

  // Messages between windows are delivered in the order they were posted:
  // once the control message (the same one, from the right window) has been
  // answered, the foreign one had its turn before it.
  test('the host ignores a message from a foreign origin: nothing is dispatched', async () => {
    await stranger.evaluate((message) => window.parent.postMessage(message, '*'), CALL);
    const served = page.frames().find((f) => f.url().includes('/react/'));
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/mizan/call/'));
    await served.evaluate((message) => window.parent.postMessage(message, '*'), CALL);
    await answered;
    await api.quiet();
    assert.equal(api.calls(), 1, 'only the page the host serves had its call made');
  });

  test('the page ignores a push from a foreign origin: nothing refetches', async () => {
    await stranger.evaluate((message) => window.parent.frames[0].postMessage(message, '*'), PUSH);
    const refetched = Promise.all([api.response('user;user_id=1'), api.response('user;user_id=2')]);
    await page.evaluate((message) => document.querySelector('iframe').contentWindow.postMessage(message, '*'), PUSH);
    await refetched;
    await api.quiet();
    assert.deepEqual(api.contexts().sort(), ['user;user_id=1', 'user;user_id=2'], "the host's push refetched each instance once; the foreign one nothing");
    await waitForText(ui, 'user-1-name', 'alice');
  });
});
