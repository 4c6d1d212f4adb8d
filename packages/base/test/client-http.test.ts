/** The client against a real HTTP server: retries, session and CSRF. */
import { afterEach, describe, expect, it } from 'vitest';
import { MizanClient, MizanError } from '../src/index.js';
import { deadBaseUrl, sendJson, startServer, type TestServer } from './support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const envelope = (code: string, message: string) => ({ error: { code, message } });

/** Records the delays asked for, and waits 1 ms instead. */
function backoff() {
  const attempts: number[] = [];
  return { attempts, retryDelay: (attempt: number) => (attempts.push(attempt), 1) };
}

async function rejection(p: Promise<unknown>): Promise<MizanError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(MizanError);
  return e as MizanError;
}

describe('retries', () => {
  it('fetchContext retries 5xx with backoff until it succeeds', async () => {
    let failures = 2;
    server = await startServer((_req, res) =>
      failures-- > 0 ? sendJson(res, 503, envelope('INTERNAL_ERROR', 'busy')) : sendJson(res, 200, { ok: true }),
    );
    const { attempts, retryDelay } = backoff();
    const client = new MizanClient({ baseUrl: server.baseUrl, retryDelay });
    expect(await client.fetchContext('user', { user_id: 5 })).toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
    expect(attempts).toEqual([0, 1]);
  });

  it('fetchContext retries network errors: a dropped connection, then nothing listening', async () => {
    let drops = 1;
    server = await startServer((_req, res) => {
      if (drops-- > 0) res.socket?.destroy();
      else sendJson(res, 200, { ok: 1 });
    });
    const { attempts, retryDelay } = backoff();
    const client = new MizanClient({ baseUrl: server.baseUrl, retry: 2, retryDelay });
    expect(await client.fetchContext('user')).toEqual({ ok: 1 });
    expect(server.requests).toHaveLength(2);

    client.configure({ baseUrl: await deadBaseUrl() });
    const e = await rejection(client.fetchContext('user'));
    expect([e.status, e.code]).toEqual([0, 'NETWORK_ERROR']);
    // One retry for the dropped connection, then `retry` (2) for the dead server.
    expect(attempts).toEqual([0, 0, 1]);
  });

  it('fetchContext does not retry 4xx', async () => {
    server = await startServer((_req, res) => sendJson(res, 404, envelope('NOT_FOUND', 'Unknown context')));
    const client = new MizanClient({ baseUrl: server.baseUrl, retryDelay: () => 1 });
    const e = await rejection(client.fetchContext('nope'));
    expect([e.status, e.code, e.message]).toEqual([404, 'NOT_FOUND', 'Unknown context']);
    expect(server.requests).toHaveLength(1);
  });

  it('call is never retried, on 5xx or on network errors', async () => {
    server = await startServer((_req, res) => sendJson(res, 500, envelope('INTERNAL_ERROR', 'boom')));
    const { attempts, retryDelay } = backoff();
    const client = new MizanClient({ baseUrl: server.baseUrl, csrf: false, retryDelay });
    const e = await rejection(client.call('explode'));
    expect([e.status, e.code]).toEqual([500, 'INTERNAL_ERROR']);
    expect(server.requests).toHaveLength(1);

    client.configure({ baseUrl: await deadBaseUrl() });
    const net = await rejection(client.call('explode'));
    expect(net.code).toBe('NETWORK_ERROR');
    expect(attempts).toEqual([]);
  });
});

describe('session and CSRF', () => {
  it('initSession stores the CSRF token; X-CSRFToken goes on unsafe requests only', async () => {
    server = await startServer((req, res) => {
      if (req.url.endsWith('/session/')) return sendJson(res, 200, { csrfToken: 'tok-1' });
      if (req.method === 'POST') return sendJson(res, 200, { invalidate: [], result: 'ok' });
      return sendJson(res, 200, {});
    });
    const client = new MizanClient({ baseUrl: server.baseUrl });
    expect(await client.initSession()).toBe('tok-1');
    await client.call('rename', { name: 'x' });
    await client.fetchContext('user');
    const [, post, get] = server.requests;
    expect(post!.headers['x-csrftoken']).toBe('tok-1');
    expect(get!.headers['x-csrftoken']).toBeUndefined();
  });

  it('the first call initializes the session once, then every call carries the token', async () => {
    server = await startServer((req, res) =>
      req.url.endsWith('/session/')
        ? sendJson(res, 200, { csrfToken: 'tok-2' })
        : sendJson(res, 200, { invalidate: [], result: 1 }),
    );
    const client = new MizanClient({ baseUrl: server.baseUrl });
    await Promise.all([client.call('a'), client.call('b')]);
    await client.call('c');
    expect(server.to('/session/')).toHaveLength(1);
    expect(server.to('/call/').map((r) => r.headers['x-csrftoken'])).toEqual(['tok-2', 'tok-2', 'tok-2']);
  });

  it('a session with no CSRF token is not asked for again', async () => {
    server = await startServer((req, res) =>
      req.url.endsWith('/session/')
        ? sendJson(res, 200, { csrfToken: null })
        : sendJson(res, 200, { invalidate: [], result: 1 }),
    );
    const client = new MizanClient({ baseUrl: server.baseUrl });
    await client.call('a');
    await client.call('b');
    expect(server.to('/session/')).toHaveLength(1);
    expect(server.to('/call/').map((r) => r.headers['x-csrftoken'])).toEqual([undefined, undefined]);
  });

  it('initSession retries with backoff; a failure rejects the call and the next call tries again', async () => {
    let sessionUp = false;
    server = await startServer((req, res) => {
      if (req.url.endsWith('/session/')) {
        return sessionUp ? sendJson(res, 200, { csrfToken: 'tok-3' }) : sendJson(res, 500, envelope('INTERNAL_ERROR', 'down'));
      }
      return sendJson(res, 200, { invalidate: [], result: 'done' });
    });
    const { attempts, retryDelay } = backoff();
    const client = new MizanClient({ baseUrl: server.baseUrl, retry: 2, retryDelay });
    const e = await rejection(client.call('rename'));
    expect(e.code).toBe('INTERNAL_ERROR');
    expect(attempts).toEqual([0, 1]);
    expect(server.to('/session/')).toHaveLength(3);
    expect(server.to('/call/')).toHaveLength(0);

    sessionUp = true;
    expect(await client.call('rename')).toBe('done');
    expect(server.to('/session/')).toHaveLength(4);
    expect(server.to('/call/')[0]!.headers['x-csrftoken']).toBe('tok-3');
  });

  it('a configured token is sent as X-Mizan-Token and skips the session', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { invalidate: [], result: 1 }));
    let token = 'mwt-1';
    const client = new MizanClient({ baseUrl: server.baseUrl, token: () => token, headers: { 'X-App': 'demo' } });
    await client.call('a');
    token = 'mwt-2';
    await client.call('b');
    expect(server.to('/session/')).toHaveLength(0);
    expect(server.requests.map((r) => [r.headers['x-mizan-token'], r.headers['x-app']])).toEqual([
      ['mwt-1', 'demo'],
      ['mwt-2', 'demo'],
    ]);
  });

  it('call applies the invalidate list of a real /call/ response to mounted instances', async () => {
    let current = 1;
    server = await startServer((req, res) => {
      if (req.method === 'POST') {
        current++;
        return sendJson(res, 200, { invalidate: [{ context: 'user', params: { user_id: 5 } }], result: null }, {
          'X-Mizan-Invalidate': 'user;user_id=5',
        });
      }
      return sendJson(res, 200, { version: current });
    });
    const client = new MizanClient({ baseUrl: server.baseUrl, csrf: false });
    const user = client.instance<{ version: number }>('user', { user_id: 5 });
    const version = (v: number) =>
      new Promise<void>((resolve) => {
        const check = () => user.getState().data?.version === v && resolve();
        user.subscribe(check);
        check();
      });
    await version(1);
    await client.call('rename_user', { user_id: 5, name: 'x' });
    await version(2);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/mizan/ctx/user/?user_id=5',
      'POST /api/mizan/call/',
      'GET /api/mizan/ctx/user/?user_id=5',
    ]);
  });
});
