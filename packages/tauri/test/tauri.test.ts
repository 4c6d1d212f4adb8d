/**
 * The Tauri transport through the real `@tauri-apps/api` (its `invoke` and
 * its webview `listen`), with Tauri's IPC mocked by a scripted plugin that
 * answers as `mizan-tauri` does (the plugin itself is tested in Rust on
 * Tauri's mock runtime, and both together in a real window): what goes
 * over the wire, replies, errors, pushes, channels, and a reset.
 */
import { MizanClient, MizanError, openChannel } from '@mizan/base';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { EXCHANGE_COMMAND, PUSH_EVENT, RESET_EVENT, tauriTransport } from '../src/index.js';

type Message = Record<string, unknown>;

interface Plugin {
  /** Every message the page sent, decoded from the request body. */
  messages: Message[];
  /** How a message is answered: a payload, or a rejection (`Promise.reject`). */
  answer: (message: Message) => unknown;
  /** The target each event was listened to with. */
  targets: Map<string, unknown>;
  /** Emits an event to the page, as the plugin does. */
  emit(event: string, payload?: unknown): void;
}

const internals = () => (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } }).__TAURI_INTERNALS__;

function plugin(): Plugin {
  const handlers = new Map<string, number>();
  const scripted: Plugin = {
    messages: [],
    targets: new Map(),
    answer: (message) => {
      switch (message['op']) {
        case 'fetch':
          return { user_profile: { name: 'alice', version: scripted.messages.filter((m) => m['op'] === 'fetch').length } };
        case 'call':
          return { invalidate: [], result: { message: 'ok' } };
        default:
          return { ok: true };
      }
    },
    emit(event, payload) {
      const handler = handlers.get(event);
      if (handler !== undefined) internals().runCallback(handler, { event, id: handler, payload });
    },
  };
  mockWindows('main');
  mockIPC((cmd, args) => {
    const payload = args as Record<string, unknown>;
    if (cmd === 'plugin:event|listen') {
      handlers.set(payload['event'] as string, payload['handler'] as number);
      scripted.targets.set(payload['event'] as string, payload['target']);
      return payload['handler'];
    }
    if (cmd === 'plugin:event|unlisten') return null;
    if (cmd !== EXCHANGE_COMMAND) throw new Error(`unexpected command ${cmd}`);
    // The body is the message's bytes (a typed array; its realm may differ from the test's).
    expect(ArrayBuffer.isView(args)).toBe(true);
    const message = JSON.parse(new TextDecoder().decode(args as Uint8Array)) as Message;
    scripted.messages.push(message);
    return scripted.answer(message);
  });
  return scripted;
}

let clients: MizanClient[] = [];
afterEach(() => {
  // A new transport closes the old one (and its listeners).
  for (const client of clients) client.configure({ transport: { call: () => Promise.reject(new Error('closed')), fetchContext: () => Promise.reject(new Error('closed')) } });
  clients = [];
  clearMocks();
});

function client(): MizanClient {
  const made = new MizanClient({ transport: tauriTransport(), retryDelay: () => 1 });
  clients.push(made);
  return made;
}

const until = async (check: () => boolean, what = 'the condition') => {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const ops = (p: Plugin) => p.messages.map((m) => `${String(m['op'])} ${String(m['fn'] ?? m['context'] ?? m['channel'])}`);

describe('requests', () => {
  it('a call is one exchange whose body is the message, and its reply applies like an HTTP response', async () => {
    const p = plugin();
    const mizan = client();
    p.answer = (m) => (m['op'] === 'call' ? { invalidate: ['user'], result: { total: 3 } } : { ok: true });
    expect(await mizan.call('add', { a: 1, b: 2 })).toEqual({ total: 3 });
    expect(p.messages).toEqual([{ op: 'call', fn: 'add', args: { a: 1, b: 2 } }]);
  });

  it('a watched instance is subscribed before it is fetched: no change is lost in between', async () => {
    const p = plugin();
    const user = client().instance('user', { user_id: 1 });
    user.subscribe(() => undefined);
    await until(() => user.getState().status === 'success', 'the data');
    expect(ops(p)).toEqual(['subscribe user', 'fetch user']);
    expect(p.messages[1]).toEqual({ op: 'fetch', context: 'user', params: { user_id: 1 } });
  });

  it('no session, no CSRF: the app supplies the identity', async () => {
    const p = plugin();
    await client().call('echo', { text: 'x' });
    expect(ops(p)).toEqual(['call echo']);
  });

  it('files travel in the message, base64', async () => {
    const p = plugin();
    await client().call('upload_file', { label: 'notes', file: new File(['hello'], 'a.txt', { type: 'text/plain' }) });
    expect(p.messages).toEqual([
      { op: 'call', fn: 'upload_file', args: { label: 'notes' }, uploads: { file: { name: 'a.txt', type: 'text/plain', data: 'aGVsbG8=' } } },
    ]);
  });
});

describe('errors', () => {
  it('a rejection with the envelope\'s inner object is the MizanError HTTP would give', async () => {
    const p = plugin();
    p.answer = () => Promise.reject({ code: 'VALIDATION_ERROR', details: { fields: { a: ['not a number'] } }, message: 'Input validation failed' });
    const error = (await client()
      .call('add', { a: 'x' })
      .catch((e: unknown) => e)) as MizanError;
    expect(error).toBeInstanceOf(MizanError);
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', status: 422, message: 'Input validation failed' });
    expect(error.fieldErrors('a')).toEqual(['not a number']);

    p.answer = () => Promise.reject({ code: 'UNAUTHORIZED', message: 'Authentication required' });
    const auth = (await client()
      .call('whoami')
      .catch((e: unknown) => e)) as MizanError;
    expect(auth.status).toBe(401);
    expect(auth.isAuthError()).toBe(true);
  });

  it('a failure of the IPC itself (no plugin) is a NETWORK_ERROR', async () => {
    const p = plugin();
    p.answer = () => Promise.reject('plugin mizan not found');
    await expect(client().call('echo')).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0, message: 'plugin mizan not found' });
  });
});

describe('pushes', () => {
  it('listens on this webview only, and a push takes the same path as a response', async () => {
    const p = plugin();
    const user = client().instance('user', { user_id: 1 });
    user.subscribe(() => undefined);
    await until(() => user.getState().status === 'success');
    expect(p.targets.get(PUSH_EVENT)).toEqual({ kind: 'Webview', label: 'main' });
    expect(p.targets.get(RESET_EVENT)).toEqual({ kind: 'Webview', label: 'main' });

    p.emit(PUSH_EVENT, { action: 'merge', merge: [{ context: 'user', mode: 'replace', params: { user_id: 1 }, slot: 'user_profile', value: { name: 'Bo' } }] });
    await until(() => (user.getState().data as { user_profile: { name: string } }).user_profile.name === 'Bo', 'the merge');
    expect(ops(p)).toEqual(['subscribe user', 'fetch user']);

    p.emit(PUSH_EVENT, { action: 'invalidate', invalidate: [{ context: 'user', params: { user_id: 2 } }] });
    p.emit(PUSH_EVENT, { action: 'invalidate', invalidate: [{ context: 'user', params: { user_id: 1 } }, 'user'] });
    await until(() => ops(p).length === 3, 'the refetch');
    expect(ops(p)).toEqual(['subscribe user', 'fetch user', 'fetch user']);
  });

  it('a reset subscribes and joins everything again and refetches what is shown, once', async () => {
    const p = plugin();
    const mizan = client();
    const user = mizan.instance('user', { user_id: 1 });
    user.subscribe(() => undefined);
    const chat = openChannel(mizan, 'chat', { room: 'general' });
    chat.subscribe(() => undefined);
    await until(() => user.getState().status === 'success' && chat.getState().status === 'joined');
    p.messages = [];
    p.emit(RESET_EVENT);
    await until(() => ops(p).includes('fetch user') && chat.getState().status === 'joined', 'the resync');
    expect(ops(p).sort()).toEqual(['fetch user', 'join chat', 'subscribe user']);
  });
});

describe('channels', () => {
  it('join, messages for the instance, send after the join, leave', async () => {
    const p = plugin();
    const chat = openChannel<{ text: string }, { text: string }>(client(), 'chat', { room: 'general' });
    const stop = chat.subscribe(() => undefined);
    await until(() => chat.getState().status === 'joined');
    p.emit(PUSH_EVENT, { action: 'message', channel: 'chat', params: { room: 'general' }, message: { text: 'hi' } });
    p.emit(PUSH_EVENT, { action: 'message', channel: 'chat', params: { room: 'other' }, message: { text: 'not here' } });
    await until(() => chat.getState().messages.length === 1);
    expect(chat.getState().messages).toEqual([{ text: 'hi' }]);
    await chat.send({ text: 'yo' });
    stop();
    await until(() => ops(p).includes('leave chat'), 'the leave');
    expect(p.messages.slice(0, 2)).toEqual([
      { op: 'join', channel: 'chat', params: { room: 'general' } },
      { op: 'send', channel: 'chat', params: { room: 'general' }, message: { text: 'yo' } },
    ]);
  });

  it('a refused join is the channel\'s error', async () => {
    const p = plugin();
    p.answer = (m) => (m['op'] === 'join' ? Promise.reject({ code: 'FORBIDDEN', message: 'the staff room is for staff' }) : { ok: true });
    const chat = openChannel(client(), 'chat', { room: 'staff' });
    chat.subscribe(() => undefined);
    await until(() => chat.getState().status === 'error');
    expect(chat.getState().error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });
});
