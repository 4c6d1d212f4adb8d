/**
 * The live kernel against the real conformance fixture (Rust, axum, the
 * core's socket): changes made by other clients arrive as pushes, channels
 * carry messages between clients, identity travels as over HTTP, and a
 * restarted server is reconnected to without losing a change.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ContextInstance, MizanClient, type MizanConfig, MizanError, openChannel, type SocketLike, websocket } from '../src/index.js';
import { buildFixture, type Fixture, mwt, startFixture } from './support/fixture.js';
import { until } from './support/socket-server.js';

beforeAll(buildFixture, 600_000);

let fixtures: Fixture[] = [];
let clients: MizanClient[] = [];
afterEach(async () => {
  for (const client of clients) client.configure({ live: false });
  clients = [];
  for (const fixture of fixtures) await fixture.stop();
  fixtures = [];
});

async function fixture(addr?: string): Promise<Fixture> {
  const started = await startFixture(addr);
  fixtures.push(started);
  return started;
}

interface Recorded {
  client: MizanClient;
  /** Frames the client sent, as `action context-or-channel-or-fn`. */
  frames: string[];
  /** HTTP requests the client made, as `METHOD /path/`. */
  http: string[];
}

/** A client on the fixture that records what it sends; `live` unless told otherwise. */
function client(server: Fixture, config: MizanConfig = {}): Recorded {
  const frames: string[] = [];
  const http: string[] = [];
  const made = new MizanClient({
    baseUrl: server.baseUrl,
    csrf: false,
    retryDelay: () => 10,
    fetch: (input, init) => {
      http.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname.replace('/api/mizan', '')}`);
      return fetch(input, init);
    },
    live: websocket({
      socket: (url) => {
        const ws = new WebSocket(url);
        const send = ws.send.bind(ws);
        ws.send = ((data: string) => {
          const frame = JSON.parse(data) as Record<string, unknown>;
          frames.push(`${String(frame['action'])} ${String(frame['context'] ?? frame['channel'] ?? frame['fn'])}`);
          send(data);
        }) as typeof ws.send;
        return ws as unknown as SocketLike;
      },
      reconnectDelay: () => 20,
    }),
    ...config,
  });
  clients.push(made);
  return { client: made, frames, http };
}

type User = { user_profile: { name: string; user_id: number } };

async function showing(instance: ContextInstance<User>, name: string): Promise<void> {
  await until(() => instance.getState().data?.user_profile.name === name, `the name ${name}`);
}

/** Lets any request a push would cause happen, so that counting afterwards proves none did. */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('pushes from the fixture', () => {
  it('a mutation by another client over HTTP refetches the instance it hits, once, over the socket', async () => {
    const server = await fixture();
    const a = client(server);
    const one = a.client.instance<User>('user', { user_id: 1 });
    const two = a.client.instance<User>('user', { user_id: 2 });
    one.subscribe(() => undefined);
    two.subscribe(() => undefined);
    await showing(one, 'alice');
    await showing(two, 'bob');
    const b = client(server, { live: false });
    await b.client.call('rename_user', { user_id: 1, name: 'Ada' });
    await showing(one, 'Ada');
    await quiet();
    expect(a.frames.sort()).toEqual(['fetch user', 'fetch user', 'fetch user', 'subscribe user', 'subscribe user']);
    expect(a.http).toEqual([]);
    expect(two.getState().data?.user_profile.name).toBe('bob');
  });

  it('a merge by another client is spliced in with no request', async () => {
    const server = await fixture();
    const a = client(server);
    const two = a.client.instance<User>('user', { user_id: 2 });
    two.subscribe(() => undefined);
    await showing(two, 'bob');
    await client(server, { live: false }).client.call('rename_profile', { user_id: 2, name: 'Bobby' });
    await showing(two, 'Bobby');
    await quiet();
    expect(a.frames).toEqual(['subscribe user', 'fetch user']);
  });

  it('a mutation over the socket applies its own reply and gets no push for it: one refetch', async () => {
    const server = await fixture();
    const a = client(server);
    const one = a.client.instance<User>('user', { user_id: 1 });
    one.subscribe(() => undefined);
    await showing(one, 'alice');
    await a.client.call('rename_user', { user_id: 1, name: 'Ada' });
    await showing(one, 'Ada');
    await quiet();
    expect(a.frames).toEqual(['subscribe user', 'fetch user', 'call rename_user', 'fetch user']);
    expect(a.http).toEqual([]);
  });

  it('single-flight: a mutation of what it shows costs one round trip, over the socket and over HTTP', async () => {
    const server = await fixture();
    for (const live of [true, false]) {
      const a = client(server, live ? {} : { live: false });
      const one = a.client.instance<User>('user', { user_id: 1 });
      const two = a.client.instance<User>('user', { user_id: 2 });
      one.subscribe(() => undefined);
      two.subscribe(() => undefined);
      await showing(one, live ? 'alice' : 'Ada');
      await showing(two, 'bob');
      const [frames, http] = [a.frames.length, a.http.length];
      const name = live ? 'Ada' : 'Grace';
      // What the generated client says of rename_user: it affects `user`.
      await a.client.call('rename_user', { user_id: 1, name }, { affects: ['user'] });
      // Applied with the reply itself: no await for a refetch.
      expect(one.getState().data?.user_profile.name).toBe(name);
      await quiet();
      if (live) expect(a.frames.slice(frames)).toEqual(['call rename_user']);
      else expect(a.http.slice(http)).toEqual(['POST /call/']);
      expect(two.getState().data?.user_profile.name).toBe('bob');
    }
  });

  it('after the server restarts: reconnects, refetches what it shows, and hears the next change', async () => {
    const first = await fixture();
    const a = client(first);
    const one = a.client.instance<User>('user', { user_id: 1 });
    one.subscribe(() => undefined);
    await showing(one, 'alice');
    await client(first, { live: false }).client.call('rename_user', { user_id: 1, name: 'Ada' });
    await showing(one, 'Ada');
    await first.stop();
    fixtures = [];
    // The same address, fresh seed state: the name is alice again, which only a refetch can show.
    const second = await fixture(first.addr);
    await showing(one, 'alice');
    await client(second, { live: false }).client.call('rename_user', { user_id: 1, name: 'Grace' });
    await showing(one, 'Grace');
    expect(a.frames.filter((f) => f === 'subscribe user')).toHaveLength(2);
  });
});

describe('channels on the fixture', () => {
  type ChatMessage = { author: string; room: string; text: string };

  it('a message sent by one client reaches everyone in the room, the sender included, with its author', async () => {
    const server = await fixture();
    const anon = openChannel<{ text: string }, ChatMessage>(client(server).client, 'chat', { room: 'general' });
    const alice = openChannel<{ text: string }, ChatMessage>(client(server, { token: mwt(1) }).client, 'chat', { room: 'general' });
    const elsewhere = openChannel<{ text: string }, ChatMessage>(client(server).client, 'chat', { room: 'random' });
    for (const c of [anon, alice, elsewhere]) c.join();
    await until(() => [anon, alice, elsewhere].every((c) => c.getState().status === 'joined'), 'the joins');
    await anon.send({ text: 'hi' });
    await alice.send({ text: 'hello' });
    const expected = [
      { author: 'anon', room: 'general', text: 'hi' },
      { author: 'alice', room: 'general', text: 'hello' },
    ];
    await until(() => anon.getState().messages.length === 2 && alice.getState().messages.length === 2, 'both messages');
    expect(anon.getState().messages).toEqual(expected);
    expect(alice.getState().messages).toEqual(expected);
    await quiet();
    expect(elsewhere.getState().messages).toEqual([]);
  });

  it('the staff room: anonymous is UNAUTHORIZED, alice FORBIDDEN, bob (staff) joins', async () => {
    const server = await fixture();
    const room = (config: MizanConfig) => openChannel(client(server, config).client, 'chat', { room: 'staff' });
    const [anon, alice, bob] = [room({}), room({ token: mwt(1) }), room({ token: mwt(2, { staff: true }) })];
    for (const c of [anon, alice, bob]) c.join();
    await until(() => [anon, alice, bob].every((c) => c.getState().status !== 'connecting'), 'the answers');
    expect(anon.getState().error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(alice.getState().error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(bob.getState()).toMatchObject({ status: 'joined', error: null });
  });
});

describe('identity and socket-only functions on the fixture', () => {
  it('the socket speaks for the token it connected with; a new token reconnects', async () => {
    const server = await fixture();
    let token = mwt(1);
    const a = client(server, { token: () => token });
    expect(await a.client.call('whoami')).toMatchObject({ email: 'alice@example.com' });
    token = mwt(2, { staff: true });
    expect(await a.client.call('whoami')).toMatchObject({ email: 'bob@example.com' });
    expect(a.frames).toEqual(['call whoami', 'call whoami']);
    expect(a.http).toEqual([]);
    const anon = client(server);
    const error = await anon.client.call('whoami').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MizanError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('a socket-only function answers live; over HTTP it is a BAD_REQUEST naming /ws/', async () => {
    const server = await fixture();
    expect(await client(server).client.call('ws_echo', { text: 'hi' })).toEqual({ message: 'echo: hi' });
    const error = await client(server, { live: false })
      .client.call('ws_echo', { text: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    expect((error as MizanError).message).toContain('/ws/');
  });
});
