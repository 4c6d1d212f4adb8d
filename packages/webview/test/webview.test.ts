/**
 * A page's kernel on `webviewTransport`, its host relaying with
 * `serveWebview` to the real conformance fixture (Rust, the core) over HTTP
 * or over the live socket: calls, fetches, errors, identity from the host,
 * files, pushes, channels, and a restart of the server. The channel between
 * page and host is an in-memory pair that clones each message as
 * `postMessage` does; the windows' origin checks are tested on their own
 * below, and in Chromium by the browser suite.
 */
import { httpTransport, MizanClient, type MizanError, openChannel, type SocketLike, socketTransport, type Transport } from '@mizan/base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildFixture, type Fixture, mwt, startFixture } from '../../base/test/support/fixture.js';
import { until } from '../../base/test/support/socket-server.js';
import { type PostChannel, serveWebview, webviewTransport, windowChannel } from '../src/index.js';

beforeAll(buildFixture, 600_000);

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** Two ends of a `postMessage`-like channel: each message is cloned and delivered in a later task. */
function pair(): [PostChannel, PostChannel] {
  const listeners: [Set<(m: unknown) => void>, Set<(m: unknown) => void>] = [new Set(), new Set()];
  const end = (mine: 0 | 1): PostChannel => ({
    post(message) {
      const copy = structuredClone(message);
      setTimeout(() => {
        for (const listener of listeners[1 - mine]!) listener(copy);
      });
    },
    subscribe(listener) {
      listeners[mine].add(listener);
      return () => listeners[mine].delete(listener);
    },
  });
  return [end(0), end(1)];
}

async function fixture(addr?: string): Promise<Fixture> {
  const started = await startFixture(addr);
  cleanups.push(() => started.stop());
  return started;
}

interface Hosted {
  page: MizanClient;
  /** What the host sent to the server: `GET /ctx/user/`, `POST /call/`, `WS fetch user`. */
  requests: string[];
}

/** A page whose host relays to `server` over HTTP, or live over the socket. */
function hosted(server: Fixture, { live = false, token }: { live?: boolean; token?: string } = {}): Hosted {
  const requests: string[] = [];
  const http = httpTransport({
    baseUrl: server.baseUrl,
    fetch: (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname.replace('/api/mizan', '')}`);
      return fetch(input, init);
    },
  });
  const transport: Transport = live
    ? socketTransport({
        url: `${server.baseUrl.replace('http:', 'ws:')}/ws/`,
        fallback: http,
        reconnectDelay: () => 20,
        socket: (url) => {
          const ws = new WebSocket(url);
          const send = ws.send.bind(ws);
          ws.send = ((data: string) => {
            const frame = JSON.parse(data) as Record<string, unknown>;
            requests.push(`WS ${String(frame['action'])} ${String(frame['context'] ?? frame['channel'] ?? frame['fn'])}`);
            send(data);
          }) as typeof ws.send;
          return ws as unknown as SocketLike;
        },
        ...(token && { token: () => token }),
      })
    : http;
  const [pageEnd, hostEnd] = pair();
  const stop = serveWebview({ channel: hostEnd, transport, context: () => (token ? { token } : {}) });
  const page = new MizanClient({ transport: webviewTransport({ channel: pageEnd }), retryDelay: () => 10 });
  cleanups.push(() => {
    page.configure({ transport: http });
    stop();
    transport.close?.();
  });
  return { page, requests };
}

type User = { user_profile: { name: string } };
const showing = (page: MizanClient, userId: number, name: string) => {
  const instance = page.instance<User>('user', { user_id: userId });
  return until(() => instance.getState().data?.user_profile.name === name, `the name ${name}`);
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('a page relayed over HTTP', () => {
  it('a fetch is one request for the whole context, and a mutation refetches only what it scopes', async () => {
    const server = await fixture();
    const { page, requests } = hosted(server);
    page.instance('user', { user_id: 1 }).subscribe(() => undefined);
    page.instance('user', { user_id: 2 }).subscribe(() => undefined);
    await showing(page, 1, 'alice');
    await showing(page, 2, 'bob');
    await settle();
    expect(requests.sort()).toEqual(['GET /ctx/user/', 'GET /ctx/user/']);
    requests.length = 0;
    expect(await page.call('rename_user', { user_id: 1, name: 'Ada' })).toEqual({ name: 'Ada', user_id: 1 });
    await showing(page, 1, 'Ada');
    await settle();
    expect(requests).toEqual(['POST /call/', 'GET /ctx/user/']);
  });

  it('errors arrive typed, as over HTTP', async () => {
    const server = await fixture();
    const { page } = hosted(server);
    const unauthorized = (await page.call('whoami').catch((e: unknown) => e)) as MizanError;
    expect(unauthorized).toMatchObject({ name: 'MizanError', code: 'UNAUTHORIZED', status: 401 });
    const invalid = (await page.call('add', { a: 'x', b: 1 }).catch((e: unknown) => e)) as MizanError;
    expect(invalid.status).toBe(422);
    expect(invalid.fieldErrors('a')).toEqual(['invalid type: string "x", expected an integer']);
    await expect(page.call('buggy_fn')).rejects.toMatchObject({ code: 'INTERNAL_ERROR', status: 500, message: 'Internal server error' });
  });

  it('the host supplies the identity', async () => {
    const server = await fixture();
    const { page } = hosted(server, { token: mwt(1) });
    expect(await page.call('whoami')).toEqual({ authenticated: true, email: 'alice@example.com' });
  });

  it('a file travels to the host, which sends it as multipart', async () => {
    const server = await fixture();
    const { page, requests } = hosted(server);
    expect(await page.call('upload_file', { label: 'notes', file: new File(['hello'], 'a.txt', { type: 'text/plain' }) })).toEqual({
      label: 'notes',
      name: 'a.txt',
      size: 5,
    });
    expect(requests).toEqual(['POST /call/']);
  });

  it('channels need a live host', async () => {
    const server = await fixture();
    const chat = openChannel(hosted(server).page, 'chat', { room: 'general' });
    chat.subscribe(() => undefined);
    await until(() => chat.getState().status === 'error');
    expect(chat.getState().error?.code).toBe('NOT_LIVE');
  });
});

describe('a page relayed live', () => {
  it('another client\'s change reaches the page as a push: one refetch, no polling', async () => {
    const server = await fixture();
    const { page, requests } = hosted(server, { live: true });
    page.instance('user', { user_id: 1 }).subscribe(() => undefined);
    await showing(page, 1, 'alice');
    await settle();
    expect(requests).toEqual(['WS subscribe user', 'WS fetch user']);
    requests.length = 0;
    await new MizanClient({ baseUrl: server.baseUrl, csrf: false }).call('rename_user', { user_id: 1, name: 'Ada' });
    await showing(page, 1, 'Ada');
    await settle();
    expect(requests).toEqual(['WS fetch user']);
  });

  it('a merge by another client is spliced in with no request', async () => {
    const server = await fixture();
    const { page, requests } = hosted(server, { live: true });
    page.instance('user', { user_id: 2 }).subscribe(() => undefined);
    await showing(page, 2, 'bob');
    await settle();
    requests.length = 0;
    await new MizanClient({ baseUrl: server.baseUrl, csrf: false }).call('rename_profile', { user_id: 2, name: 'Bobby' });
    await showing(page, 2, 'Bobby');
    await settle();
    expect(requests).toEqual([]);
  });

  it('channel messages reach the page, and its own messages reach others', async () => {
    const server = await fixture();
    type Chat = { author: string; room: string; text: string };
    const one = openChannel<{ text: string }, Chat>(hosted(server, { live: true }).page, 'chat', { room: 'general' });
    const two = openChannel<{ text: string }, Chat>(hosted(server, { live: true, token: mwt(1) }).page, 'chat', { room: 'general' });
    one.subscribe(() => undefined);
    two.subscribe(() => undefined);
    await until(() => one.getState().status === 'joined' && two.getState().status === 'joined', 'both joined');
    await two.send({ text: 'hello' });
    await until(() => one.getState().messages.length === 1 && two.getState().messages.length === 1, 'the message');
    expect(one.getState().messages).toEqual([{ author: 'alice', room: 'general', text: 'hello' }]);
  });

  it('after the server restarts: the host reconnects, the page refetches what it shows and hears the next change', async () => {
    const first = await fixture();
    const { page } = hosted(first, { live: true });
    page.instance('user', { user_id: 1 }).subscribe(() => undefined);
    const chat = openChannel(page, 'chat', { room: 'general' });
    const statuses: string[] = [];
    chat.subscribe(() => statuses.push(chat.getState().status));
    await showing(page, 1, 'alice');
    await until(() => chat.getState().status === 'joined');
    await new MizanClient({ baseUrl: first.baseUrl, csrf: false }).call('rename_user', { user_id: 1, name: 'Ada' });
    await showing(page, 1, 'Ada');
    await first.stop();
    // The same address, fresh seed state: the name is alice again, which only a refetch can show.
    const second = await fixture(first.addr);
    await showing(page, 1, 'alice');
    await until(() => statuses.at(-1) === 'joined' && statuses.includes('connecting'), 'the channel joined again');
    await new MizanClient({ baseUrl: second.baseUrl, csrf: false }).call('rename_user', { user_id: 1, name: 'Grace' });
    await showing(page, 1, 'Grace');
  });
});

describe('windowChannel', () => {
  /** A window whose `message` events the test dispatches. */
  function source() {
    const listeners = new Set<(event: MessageEvent) => void>();
    return {
      addEventListener: (_: 'message', l: (event: MessageEvent) => void) => listeners.add(l),
      removeEventListener: (_: 'message', l: (event: MessageEvent) => void) => listeners.delete(l),
      dispatch: (event: Partial<MessageEvent>) => {
        for (const l of listeners) l(event as MessageEvent);
      },
    };
  }

  it('posts to the peer\'s origin only, and hears only the peer from its origin', () => {
    const sent: Array<[unknown, string]> = [];
    const peer = { postMessage: (m: unknown, origin: string) => sent.push([m, origin]) };
    const stranger = { postMessage: () => undefined };
    const window = source();
    const channel = windowChannel({ peer, origin: 'https://host.example', window });
    const heard: unknown[] = [];
    channel.subscribe((m) => heard.push(m));
    channel.post({ a: 1 });
    expect(sent).toEqual([[{ a: 1 }, 'https://host.example']]);
    window.dispatch({ origin: 'https://evil.example', source: peer as never, data: 'foreign origin' });
    window.dispatch({ origin: 'https://host.example', source: stranger as never, data: 'another window' });
    window.dispatch({ origin: 'https://host.example', source: peer as never, data: 'the peer' });
    expect(heard).toEqual(['the peer']);
  });

  it('refuses to post to any origin', () => {
    expect(() => windowChannel({ peer: { postMessage: () => undefined }, origin: '*' })).toThrow(/exact origin/);
  });
});
