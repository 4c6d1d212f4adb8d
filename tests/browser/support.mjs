// Shared by the browser suites: builds the apps, runs the real Rust servers on
// free loopback ports, drives Debian's Chromium through playwright-core, and
// records every request a page makes to the Mizan API.

import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repoRoot, 'target');
export const API = '/api/mizan/';

/**
 * Debug builds of the servers and production builds of the web apps (the
 * fixture's web app holds its React, Vue and Svelte pages). Cargo's build is
 * a no-op when up to date; Vite's takes a few seconds.
 */
export function buildAll() {
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  run('cargo', ['build', '--quiet', '--locked', '-p', 'taskboard', '-p', 'afi-fixture']);
  run('npm', ['run', '--silent', 'build', '-w', 'examples/taskboard/web', '-w', 'examples/afi-fixture/web']);
}

/**
 * Starts `target/debug/<bin>` with `addrVar=127.0.0.1:0` and resolves once it
 * printed `listening on <addr>`, with its base URL and a `stop()`.
 */
export async function startServer(bin, addrVar, env = {}) {
  const child = spawn(join(targetDir, 'debug', bin), [], {
    cwd: repoRoot,
    // The fixture panics on purpose (buggy_fn); its report is noise here.
    env: { ...process.env, RUST_BACKTRACE: '0', ...env, [addrVar]: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  const exited = new Promise((done) => child.once('exit', done));
  const addr = await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${bin} did not print "listening on" within 30 s:\n${stderr}`)), 30_000);
    timer.unref();
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${bin} exited (${code}) before listening:\n${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening on (\S+)$/.exec(line);
      if (m) done(m[1]);
    });
  });
  return {
    url: `http://${addr}`,
    /** The tail of the server's stderr. */
    stderr: () => stderr,
    async stop() {
      child.kill();
      // A server that ignores SIGTERM must not hang the suite.
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/**
 * Serves the built files in `root` and forwards `/api/mizan/` to `api`, so
 * that a page and its API share one origin (for a server that serves no UI).
 * WebSocket upgrades (`/api/mizan/ws/`) are forwarded as raw bytes.
 */
export async function staticWithApi(root, api) {
  const target = new URL(api);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith(API)) {
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          // As a reverse proxy does: the server recognises its own pages' Origin by it.
          headers: { ...req.headers, host: target.host, 'x-forwarded-host': req.headers.host },
        },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
      return;
    }
    // A directory's index.html, as any static server does (`/vue/` is `vue/index.html`).
    const path = decodeURIComponent(url.pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  server.on('upgrade', (req, socket, head) => {
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? target.host : req.rawHeaders[i + 1]}`);
      }
      // As for requests: the upgrade's Origin is checked against the forwarded host.
      lines.push(`X-Forwarded-Host: ${req.headers.host}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((done) => {
        server.close(() => done(undefined));
        // Keep-alive sockets of the browser's pool would hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** Debian's Chromium with a fresh profile; `close()` removes the profile. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'mizan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Every request the page makes to the Mizan API, over HTTP (under
 * `/api/mizan/`) and over its sockets (`/api/mizan/ws/`), as it made it:
 * a socket `fetch` counts as a context request and a socket `call` as a
 * call, so one scenario counts the same on either transport.
 * `contexts()` names each fetch as its instance, `search;q=a b;c`.
 */
export function trackApi(page) {
  /** @type {{ method: string, path: string, url: URL }[]} */
  let seen = [];
  /** @type {{ action: string, name: string }[]} */
  let frames = [];
  /** @type {string[]} */
  let pushes = [];
  /** The `refresh` list of each call, as sent (PROTOCOL.md §3.5). */
  let refreshes = [];
  /** Replies to calls received, over HTTP or the socket. */
  let replies = 0;
  let sockets = 0;
  /** API requests made by a frame other than the page's own (an iframe). */
  let fromFrames = 0;
  let inFlight = 0;
  let lastActivity = Date.now();
  /** @type {{ instance: string, done: () => void }[]} */
  let waiters = [];
  const answered = (instance) => {
    const [hit, rest] = [waiters.filter((w) => w.instance === instance), waiters.filter((w) => w.instance !== instance)];
    waiters = rest;
    for (const w of hit) w.done();
  };
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!url.pathname.startsWith(API)) return;
    seen.push({ method: req.method(), path: url.pathname.slice(API.length - 1), url });
    if (url.pathname === `${API}call/`) refreshes.push(refreshOf(req.postData()));
    if (req.frame() !== page.mainFrame()) fromFrames++;
    inFlight++;
    lastActivity = Date.now();
  });
  const settled = (req) => {
    if (!new URL(req.url()).pathname.startsWith(API)) return;
    inFlight--;
    lastActivity = Date.now();
  };
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.pathname.startsWith(`${API}ctx/`)) answered(instanceName(url));
    if (url.pathname === `${API}call/`) replies++;
  });
  page.on('websocket', (ws) => {
    if (!new URL(ws.url()).pathname.startsWith(`${API}ws/`)) return;
    sockets++;
    /** id → the instance a fetch asked for, or '' */
    const asked = new Map();
    ws.on('framesent', ({ payload }) => {
      const frame = JSON.parse(String(payload));
      const name = frameName(frame);
      frames.push({ action: frame.action, name });
      if (frame.action === 'call') refreshes.push(frame.refresh ?? []);
      asked.set(frame.id, frame.action === 'fetch' ? name : frame.action === 'call' ? 'call' : '');
      inFlight++;
      lastActivity = Date.now();
    });
    ws.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(String(payload));
      lastActivity = Date.now();
      if (frame.id === undefined) {
        pushes.push(`${frame.action} ${pushName(frame)}`);
        return;
      }
      if (!asked.has(frame.id)) return;
      const instance = asked.get(frame.id);
      asked.delete(frame.id);
      inFlight--;
      if (instance === 'call') replies++;
      else if (instance) answered(instance);
    });
    ws.on('close', () => {
      inFlight -= asked.size;
      asked.clear();
    });
  });
  return {
    /** Forget what was seen so far. */
    reset() {
      seen = [];
      frames = [];
      pushes = [];
      refreshes = [];
      replies = 0;
    },
    /** Every request: `GET /ctx/user/`, `WS fetch user;user_id=1`. */
    all: () => [...seen.map((r) => `${r.method} ${r.path}`), ...frames.map((f) => `WS ${f.action} ${f.name}`)],
    /** HTTP requests only. */
    http: () => seen.map((r) => `${r.method} ${r.path}`),
    contexts: () => [
      ...seen.filter((r) => r.path.startsWith('/ctx/')).map((r) => instanceName(r.url)),
      ...frames.filter((f) => f.action === 'fetch').map((f) => f.name),
    ],
    calls: () => seen.filter((r) => r.path === '/call/').length + frames.filter((f) => f.action === 'call').length,
    /** Each call's `refresh` list (the instances it asked back with its reply), in order. */
    refreshes: () => refreshes,
    /** How many calls were answered so far. */
    replies: () => replies,
    /** Frames the server pushed unasked: `invalidate user;user_id=1`, `message chat;room=general`. */
    pushes: () => pushes,
    /** Sockets the page opened since it was tracked (each one request, at connect). */
    sockets: () => sockets,
    /** API requests that an iframe made rather than the page itself. */
    fromFrames: () => fromFrames,
    /** The next answer to a fetch of `instance`, over HTTP or the socket (start waiting before the click). */
    response: (instance) =>
      new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no fetch of ${instance} answered within 10 s`)), 10_000);
        waiters.push({ instance, done: () => (clearTimeout(timer), done(undefined)) });
      }),
    /**
     * Resolves when no API request is in flight and none started for
     * `quietMs`. Only used to prove that a request did NOT happen: every
     * positive expectation waits for its own event instead.
     */
    async quiet(quietMs = 300) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const idleFor = Date.now() - lastActivity;
        if (inFlight === 0 && idleFor >= quietMs) return;
        if (Date.now() > deadline) throw new Error(`API requests still in flight: ${JSON.stringify(this.all())}`);
        await page.waitForTimeout(Math.max(20, quietMs - idleFor));
      }
    },
  };
}

/** The `refresh` list of an HTTP call's JSON body (`[]` when it has none, or is multipart). */
function refreshOf(body) {
  try {
    return JSON.parse(body ?? '{}').refresh ?? [];
  } catch {
    return [];
  }
}

/** A socket frame's instance (`user;user_id=1`, `chat;room=general`) or function (`rename_user`). */
function frameName(frame) {
  if (frame.fn) return frame.fn;
  return [frame.context ?? frame.channel, ...paramPairs(frame.params)].join(';');
}

function pushName(frame) {
  if (frame.action === 'message') return [frame.channel, ...paramPairs(frame.params)].join(';');
  const list = frame.invalidate ?? frame.merge ?? [];
  return list
    .map((t) => (typeof t === 'string' ? t : [t.context, ...paramPairs(t.params)].join(';')))
    .join(', ');
}

function paramPairs(params = {}) {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`);
}

function instanceName(url) {
  const name = url.pathname.slice(`${API}ctx/`.length).replace(/\/$/, '');
  return [name, ...paramPairs(Object.fromEntries(url.searchParams))].join(';');
}

/**
 * Waits until an element with `testId` inside `scope` (a page or a locator)
 * has exactly `text`, or matches it when it is a RegExp.
 */
export async function waitForText(scope, testId, text) {
  await scope
    .getByTestId(testId)
    .filter({ hasText: text instanceof RegExp ? text : exact(text) })
    .first()
    .waitFor();
}

function exact(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
