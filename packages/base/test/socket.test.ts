/**
 * The live transport against a scripted server on a real socket: what goes
 * over the socket and what over HTTP, subscriptions and their acks,
 * reconnects, tokens, channels.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  type ChannelInstance,
  type ContextInstance,
  MizanClient,
  type MizanConfig,
  MizanError,
  openChannel,
  type SocketLike,
  websocket,
} from '../src/index.js';
import { type Frame, type ScriptedServer, startScripted, until } from './support/socket-server.js';

let server: ScriptedServer | undefined;
let clients: MizanClient[] = [];
afterEach(async () => {
  for (const client of clients) client.configure({ live: false });
  clients = [];
  await server?.close();
  server = undefined;
});

/** Reconnect delays asked for, each answered with 1 ms. */
let delays: number[] = [];

async function setup(config: MizanConfig = {}) {
  server = await startScripted();
  delays = [];
  const client = new MizanClient({
    baseUrl: server.baseUrl,
    csrf: false,
    retryDelay: () => 1,
    live: websocket({
      socket: (url) => new WebSocket(url) as unknown as SocketLike,
      reconnectDelay: (attempt) => (delays.push(attempt), 1),
    }),
    ...config,
  });
  clients.push(client);
  return { server, client };
}

/** Subscribes and waits until the instance has data with `version`. */
async function shown(instance: ContextInstance<unknown>, version = 1): Promise<() => void> {
  const stop = instance.subscribe(() => undefined);
  await until(() => (instance.getState().data as { version?: number } | undefined)?.version === version, `version ${version}`);
  return stop;
}

describe('requests over the socket', () => {
  it('a fetch waits for the connecting socket, then for its subscription\'s ack: one frame each, no HTTP', async () => {
    const { client, server } = await setup();
    let held: Frame | undefined;
    const answer = server.answer;
    server.answer = (frame) => (frame.action === 'subscribe' ? ((held = frame), 'hold') : answer(frame));
    const user = client.instance('user', { user_id: 5 });
    const shownOnce = shown(user);
    await until(() => held !== undefined, 'the subscribe');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Fetched before the server watches it, it could miss a change made in between.
    expect(server.frames.map((f) => f.action)).toEqual(['subscribe']);
    server.reply(held!, { ok: true });
    await shownOnce;
    expect(server.frames.map((f) => f.action)).toEqual(['subscribe', 'fetch']);
    expect(server.sent('subscribe')).toEqual(['user {"params":{"user_id":5}}']);
    expect(server.http).toEqual([]);
  });

  it('a call goes over the socket and applies its reply: merge, then invalidate', async () => {
    const { client, server } = await setup();
    const user = client.instance('user', { user_id: 5 });
    await shown(user);
    server.answer = (frame) =>
      frame.action === 'call'
        ? {
            invalidate: [{ context: 'user', params: { user_id: 5 } }],
            merge: [{ context: 'user', mode: 'replace', params: { user_id: 5 }, slot: 'name', value: 'Ada' }],
            result: { ok: 1 },
          }
        : frame.action === 'fetch'
          ? { data: { version: 2 } }
          : { ok: true };
    const seen: unknown[] = [];
    user.subscribe(() => seen.push(user.getState().data));
    expect(await client.call('rename', { user_id: 5 })).toEqual({ ok: 1 });
    expect(seen[0]).toMatchObject({ name: 'Ada', version: 1 });
    await until(() => (user.getState().data as { version: number }).version === 2);
    expect(server.sent('call')).toEqual(['rename {"args":{"user_id":5}}']);
    expect(server.sent('fetch')).toHaveLength(2);
    expect(server.http).toEqual([]);
  });

  it('a call with refresh carries it on the frame; with CSRF on, a call on the socket waits for no session', async () => {
    const { client, server } = await setup({ csrf: true });
    await shown(client.instance('user', { user_id: 5 }));
    server.answer = (frame) => (frame.action === 'call' ? { invalidate: [], result: 'ok' } : { ok: true });
    expect(await client.call('rename', { user_id: 5 }, { affects: ['user'] })).toBe('ok');
    expect(server.sent('call')).toEqual(['rename {"args":{"user_id":5},"refresh":["user;user_id=5"]}']);
    // The socket is not CSRF-checked: no `GET /session/` before the first call.
    expect(server.http).toEqual([]);
    // Over HTTP (a file) the session comes first.
    expect(await client.call('upload', { file: new Blob(['x']) })).toBe('over http');
    expect(server.http).toEqual(['GET /session/', 'POST /call/']);
  });

  it('an error reply rejects with the code and the status it has over HTTP', async () => {
    const { client, server } = await setup();
    server.answer = () => ({ error: { code: 'UNAUTHORIZED', message: 'Sign in first' } });
    const error = await client.call('whoami').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MizanError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401, message: 'Sign in first' });
    expect((error as MizanError).isAuthError()).toBe(true);
  });

  it('a call with a file goes over HTTP (multipart)', async () => {
    const { client, server } = await setup();
    await shown(client.instance('user'));
    expect(await client.call('upload', { file: new Blob(['x']) })).toBe('over http');
    expect(server.http).toEqual(['POST /call/']);
    expect(server.sent('call')).toEqual([]);
  });

  it('pushes take the same path as responses: a merge costs nothing, an invalidation one fetch', async () => {
    const { client, server } = await setup();
    const user = client.instance<Record<string, unknown>>('user', { user_id: 5 });
    await shown(user);
    server.push({ action: 'merge', merge: [{ context: 'user', mode: 'replace', params: { user_id: 5 }, slot: 'name', value: 'Bo' }] });
    await until(() => user.getState().data?.['name'] === 'Bo');
    server.version = 2;
    server.push({ action: 'invalidate', invalidate: [{ context: 'user', params: { user_id: 5 } }, 'user'] });
    await shown(user, 2);
    expect(server.sent('fetch')).toHaveLength(2);
  });

  it('an instance dropped by gc is unsubscribed; an unmounted one is kept subscribed until then', async () => {
    const { client, server } = await setup({ gcTimeMs: 50 });
    const stop = await shown(client.instance('user', { user_id: 5 }));
    stop();
    expect(server.sent('unsubscribe')).toEqual([]);
    await until(() => server.sent('unsubscribe').length === 1, 'the unsubscribe');
    expect(server.sent('unsubscribe')).toEqual(['user {"params":{"user_id":5}}']);
  });
});

describe('reconnects', () => {
  it('after a drop: reconnects with backoff, resubscribes every watched instance and refetches each once', async () => {
    const { client, server } = await setup();
    await shown(client.instance('user', { user_id: 1 }));
    await shown(client.instance('user', { user_id: 2 }));
    await shown(client.instance('items'));
    server.version = 2;
    server.drop(1013);
    await shown(client.instance('user', { user_id: 1 }), 2);
    await shown(client.instance('user', { user_id: 2 }), 2);
    await shown(client.instance('items'), 2);
    const second = server.frames.filter((f) => f.connection === 1);
    expect(second.filter((f) => f.action === 'subscribe')).toHaveLength(3);
    expect(second.filter((f) => f.action === 'fetch')).toHaveLength(3);
    expect(delays).toEqual([0]);
    expect(server.http).toEqual([]);

    // A successful connection resets the backoff.
    server.drop();
    await until(() => server.open() === 1 && server.frames.filter((f) => f.connection === 2).length === 6, 'the third connection');
    expect(delays).toEqual([0, 0]);
  });

  it('keeps trying with growing delays while the server refuses, and only then resubscribes', async () => {
    const { client, server } = await setup();
    await shown(client.instance('user'));
    server.refuse = true;
    server.drop(1001);
    await until(() => delays.length >= 3, 'three attempts');
    expect(delays.slice(0, 3)).toEqual([0, 1, 2]);
    server.refuse = false;
    await until(() => server.sent('subscribe').length === 2, 'the resubscription');
  });

  it('while down, calls and fetches go over HTTP; what was fetched then refetches once its subscription is acknowledged', async () => {
    const { client, server } = await setup();
    await shown(client.instance('user', { user_id: 1 }));
    server.refuse = true;
    server.drop();
    await until(() => delays.length >= 1, 'the first attempt');
    expect(await client.call('rename')).toBe('over http');
    const other = client.instance('user', { user_id: 2 });
    await shown(other);
    expect(server.http).toEqual(['POST /call/', 'GET /ctx/user/?user_id=2']);
    server.refuse = false;
    await until(() => server.frames.filter((f) => f.connection === 1 && f.action === 'fetch').length === 2, 'the refetches');
    const second = server.frames.filter((f) => f.connection === 1).map((f) => `${f.action} ${JSON.stringify(f['params'])}`);
    expect(second.sort()).toEqual([
      'fetch {"user_id":1}',
      'fetch {"user_id":2}',
      'subscribe {"user_id":1}',
      'subscribe {"user_id":2}',
    ]);
  });

  it('a request waiting for a socket that never opens takes HTTP after connectTimeoutMs', async () => {
    const { client, server } = await setup({
      live: websocket({
        // A socket that never opens nor closes, as on a black-holed network.
        socket: () => ({ send() {}, close() {}, onopen: null, onmessage: null, onclose: null, onerror: null }),
        connectTimeoutMs: 20,
        reconnectDelay: () => 60_000,
      }),
    });
    expect(await client.call('rename')).toBe('over http');
    expect(server.http).toEqual(['POST /call/']);
  });

  it('a reply lost with the socket rejects the call, which is not sent again', async () => {
    const { client, server } = await setup();
    await shown(client.instance('user'));
    server.answer = (frame) => (frame.action === 'call' ? 'hold' : { ok: true });
    const call = client.call('rename').catch((e: unknown) => e);
    await until(() => server.sent('call').length === 1);
    server.drop();
    expect(await call).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(server.sent('call')).toHaveLength(1);
    expect(server.http).toEqual([]);
  });
});

describe('identity', () => {
  it('the token goes in the URL; a changed token reconnects before the next frame', async () => {
    let token = 'mwt a';
    const { client, server } = await setup({ token: () => token });
    await shown(client.instance('user'));
    expect(server.upgrades).toEqual(['/api/mizan/ws/?token=mwt%20a']);
    token = 'mwt-b';
    await client.call('rename');
    expect(server.upgrades).toEqual(['/api/mizan/ws/?token=mwt%20a', '/api/mizan/ws/?token=mwt-b']);
    expect(server.frames.filter((f) => f.action === 'call').map((f) => f.connection)).toEqual([1]);
    expect(delays).toEqual([]);
  });

  it('configure({ token }) reconnects at once; configure({ live: false }) closes the socket for good', async () => {
    const { client, server } = await setup({ token: 'one' });
    await shown(client.instance('user'));
    client.configure({ token: 'two' });
    await until(() => server.upgrades.length === 2 && server.open() === 1, 'the second connection');
    expect(server.upgrades[1]).toBe('/api/mizan/ws/?token=two');
    client.configure({ live: false });
    await until(() => server.open() === 0, 'the close');
    expect(await client.call('rename')).toBe('over http');
    expect(delays).toEqual([]);
  });
});

describe('channels', () => {
  type Note = { text: string };

  async function joined(channel: ChannelInstance<Note, Note>): Promise<() => void> {
    const stop = channel.subscribe(() => undefined);
    await until(() => channel.getState().status === 'joined', 'the join');
    return stop;
  }

  it('joins on the first subscriber, delivers messages to the handle, leaves after the last one', async () => {
    const { client, server } = await setup();
    const chat = openChannel<Note, Note>(client, 'chat', { room: 'general' });
    expect(chat.getState()).toMatchObject({ status: 'closed', messages: [], error: null });
    const statuses: string[] = [];
    const watching = chat.subscribe(() => statuses.push(chat.getState().status));
    const stop = await joined(chat);
    expect(statuses).toEqual(['connecting', 'joined']);
    expect(openChannel(client, 'chat', { room: 'general' })).toBe(chat);
    server.push({ action: 'message', channel: 'chat', message: { text: 'hi' }, params: { room: 'general' } });
    server.push({ action: 'message', channel: 'chat', message: { text: 'elsewhere' }, params: { room: 'other' } });
    server.push({ action: 'message', channel: 'chat', message: { text: 'there' }, params: { room: 'general' } });
    await until(() => chat.getState().messages.length === 2);
    expect(chat.getState().messages).toEqual([{ text: 'hi' }, { text: 'there' }]);
    await chat.send({ text: 'yo' });
    expect(server.sent('send')).toEqual(['chat {"params":{"room":"general"},"message":{"text":"yo"}}']);
    stop();
    watching();
    expect(server.sent('leave')).toEqual([]);
    chat.join()(); // held and let go in the same tick: still one join
    await until(() => server.sent('leave').length === 1, 'the leave');
    expect(server.sent('join')).toHaveLength(1);
    expect(chat.getState()).toMatchObject({ status: 'closed', messages: [] });
  });

  it('a stored handle held again after it was let go shares one join with the handle made since: both hear every message', async () => {
    const { client, server } = await setup();
    const stored = openChannel<Note, Note>(client, 'chat', { room: 'general' });
    await joined(stored).then((leave) => leave());
    await until(() => server.sent('leave').length === 1, 'the leave'); // let go: the client forgets it
    const fresh = openChannel<Note, Note>(client, 'chat', { room: 'general' });
    expect(fresh).not.toBe(stored);
    const leaveFresh = fresh.join();
    const leaveStored = stored.join();
    await until(() => stored.getState().status === 'joined' && fresh.getState().status === 'joined', 'both joined');
    server.push({ action: 'message', channel: 'chat', message: { text: 'to both' }, params: { room: 'general' } });
    await until(() => stored.getState().messages.length === 1 && fresh.getState().messages.length === 1, 'both messages');
    expect(server.frames.map((f) => f.action)).toEqual(['join', 'leave', 'join']);
    leaveFresh();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.sent('leave')).toHaveLength(1);
    leaveStored();
    await until(() => server.sent('leave').length === 2, 'the last leave');
  });

  it('a send waits for the join in flight', async () => {
    const { client, server } = await setup();
    let held: Frame | undefined;
    server.answer = (frame) => (frame.action === 'join' ? ((held = frame), 'hold') : { ok: true });
    const chat = openChannel<Note, Note>(client, 'chat', { room: 'general' });
    const leave = chat.join();
    const sent = chat.send({ text: 'early' });
    await until(() => held !== undefined, 'the join');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.sent('send')).toEqual([]);
    server.reply(held!, { ok: true });
    await sent;
    expect(server.frames.map((f) => f.action)).toEqual(['join', 'send']);
    leave();
  });

  it('a refused join is an error state with the server\'s error; a send rejects', async () => {
    const { client, server } = await setup();
    server.answer = (frame) =>
      frame.action === 'join' || frame.action === 'send'
        ? { error: { code: 'FORBIDDEN', message: 'the staff room is for staff' } }
        : { ok: true };
    const staff = openChannel<Note, Note>(client, 'chat', { room: 'staff' });
    staff.join();
    await until(() => staff.getState().status === 'error', 'the refusal');
    expect(staff.getState().error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(staff.send({ text: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('is joined again after a reconnect: connecting, then joined', async () => {
    const { client, server } = await setup();
    const chat = openChannel<Note, Note>(client, 'chat', { room: 'general' });
    await joined(chat);
    const statuses: string[] = [];
    chat.subscribe(() => statuses.push(chat.getState().status));
    server.drop(1001);
    await until(() => server.sent('join').length === 2 && chat.getState().status === 'joined', 'the rejoin');
    expect(statuses).toEqual(['connecting', 'joined']);
    server.push({ action: 'message', channel: 'chat', message: { text: 'back' }, params: { room: 'general' } });
    await until(() => chat.getState().messages.length === 1);
  });

  it('without live, a channel is an error that says how to go live', async () => {
    const { client } = await setup({ live: false });
    const chat = openChannel<Note, Note>(client, 'chat', { room: 'general' });
    chat.join();
    expect(chat.getState()).toMatchObject({ status: 'error', error: { code: 'NOT_LIVE' } });
    await expect(chat.send({ text: 'x' })).rejects.toMatchObject({ code: 'NOT_LIVE' });
    // Going live joins it.
    client.configure({ live: websocket({ socket: (url) => new WebSocket(url) as unknown as SocketLike }) });
    await until(() => chat.getState().status === 'joined', 'the join');
  });
});

describe('where there can be no socket', () => {
  it('live: websocket() without a WebSocket class (server rendering) stays on HTTP', async () => {
    server = await startScripted();
    vi.stubGlobal('WebSocket', undefined);
    try {
      const client = new MizanClient({ baseUrl: server.baseUrl, csrf: false, live: websocket() });
      clients.push(client);
      expect(await client.fetchContext('user', { user_id: 1 })).toMatchObject({ version: 1 });
      expect(server.http).toEqual(['GET /ctx/user/?user_id=1']);
      expect(server.upgrades).toEqual([]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a relative baseUrl with no page to resolve it against stays on HTTP', async () => {
    const requested: string[] = [];
    const client = new MizanClient({
      baseUrl: '/api/mizan',
      csrf: false,
      live: websocket({ socket: () => expect.fail('no socket may be opened') }),
      fetch: async (input) => (requested.push(String(input)), new Response('{"ok":1}')),
    });
    expect(await client.fetchContext('user')).toEqual({ ok: 1 });
    expect(requested).toEqual(['/api/mizan/ctx/user/']);
  });
});
