import { type ContextInstance, MizanClient, MizanError, type MizanConfig, type SocketLike, websocket } from '@mizan/base';
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type App, startApp } from '../../base/test/support/app.js';
import { type ScriptedServer, startScripted } from '../../base/test/support/socket-server.js';
import ChatHarness from './support/ChatHarness.svelte';
import type { useChatChannel, useRenameUser } from './support/generated.js';
import Harness from './support/Harness.svelte';
import Status from './support/Status.svelte';
import { rooms, type View, view } from './support/view.svelte.js';

let app: App;
let client: MizanClient;
let component: ReturnType<typeof mount> | undefined;
let container: HTMLElement;
let rename: ReturnType<typeof useRenameUser>;
let addOrder: (args: { id: number; total: number }) => Promise<unknown>;
let nameChanges: number;

beforeEach(async () => {
  app = await startApp();
  client = new MizanClient({ baseUrl: app.baseUrl, csrf: false, retry: 0 });
  nameChanges = 0;
});

afterEach(async () => {
  if (component) unmount(component);
  component = undefined;
  container?.remove();
  await app.close();
});

function render(page: View, config?: MizanConfig): void {
  container = document.createElement('div');
  document.body.append(container);
  component = mount(Harness, {
    target: container,
    props: {
      client,
      config,
      view: page,
      onrename: (m) => (rename = m),
      onorder: (add) => (addOrder = add),
      onnamechange: () => nameChanges++,
    },
  });
  flushSync();
}

const text = (id: string) => container.querySelector(`[data-testid="${id}"]`)?.textContent;

/** Lets the network and Svelte work until `check` passes. */
async function waitFor(check: () => void): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    flushSync();
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets pending requests and timers run; used only to show that nothing happened. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Counts the live subscriptions of one instance, whoever holds them. */
function countSubscriptions(instance: ContextInstance<unknown>): () => number {
  let live = 0;
  const subscribe = instance.subscribe;
  instance.subscribe = (listener) => {
    live++;
    const stop = subscribe(listener);
    return () => {
      live--;
      stop();
    };
  };
  return () => live;
}

describe('@mizan/svelte', () => {
  it('a mutation in one component updates another component’s context with its own reply: one request', async () => {
    render(view({ users: [1], orders: false }));
    await waitFor(() => expect(text('name-0')).toBe('Ada'));
    const result = await rename.mutate({ user_id: 1, name: 'Ada Lovelace' });
    expect(result).toEqual({ id: 1, name: 'Ada Lovelace' });
    await waitFor(() => expect(text('name-0')).toBe('Ada Lovelace'));
    expect(text('mutation')).toBe('false:Ada Lovelace:');
    await settle();
    expect(app.fetches()).toEqual(['1']);
  });

  it('two components on one instance share one request', async () => {
    render(view({ users: [1, 1, 2], orders: false }));
    await waitFor(() => expect([text('name-0'), text('name-1'), text('name-2')]).toEqual(['Ada', 'Ada', 'Bob']));
    expect(app.fetches().sort()).toEqual(['1', '2']);
    expect([text('status-0'), text('status-1')]).toEqual(['success', 'success']);
  });

  it('the same params again do not refetch; new params switch instances', async () => {
    const page = view({ users: [1], orders: false });
    render(page);
    await waitFor(() => expect(text('name-0')).toBe('Ada'));
    page.users = [1];
    flushSync();
    await settle();
    expect(app.fetches()).toEqual(['1']);
    page.users[0] = 2;
    await waitFor(() => expect(text('name-0')).toBe('Bob'));
    expect(app.fetches()).toEqual(['1', '2']);
  });

  it('useContextState reports loading, then success; a failed fetch is an error state', async () => {
    render(view({ users: [1, 99], orders: false }));
    expect(text('status-0')).toBe('loading+fetching');
    await waitFor(() => expect([text('status-0'), text('status-1')]).toEqual(['success', 'error:NOT_FOUND']));
  });

  it('the hook of a context used outside its provider throws an error naming the provider', () => {
    container = document.createElement('div');
    expect(() => mount(Status, { target: container, props: {} })).toThrow('useUserContext() must be used inside <UserContext>');
  });

  it('useMutation reports isPending, then a MizanError; reset clears it', async () => {
    render(view({ users: [], orders: false }));
    expect(text('mutation')).toBe('false::');
    const pending = rename.mutate({ user_id: 1, name: '' }).catch((e: unknown) => e);
    flushSync();
    expect(text('mutation')).toBe('true::');
    const error = await pending;
    expect(error).toBeInstanceOf(MizanError);
    flushSync();
    expect(text('mutation')).toBe('false::VALIDATION_ERROR');
    expect(rename.error?.fieldErrors('name')).toEqual(['required']);
    rename.reset();
    flushSync();
    expect(text('mutation')).toBe('false::');
  });

  it('a merge in a call response updates the context with no request, and other members’ readers are not notified', async () => {
    render(view({ users: [1], orders: true }));
    await waitFor(() => expect(text('orders')).toBe('10'));
    const changesBefore = nameChanges;
    await addOrder({ id: 11, total: 7 });
    flushSync();
    expect(text('orders')).toBe('10,11');
    expect(app.fetches()).toEqual(['1']);
    expect(nameChanges).toBe(changesBefore);
  });

  it('hydrated data renders on the first render with no request', async () => {
    client.hydrate({ 'user;user_id=1': { user_orders: [], user_profile: { id: 1, name: 'Ada (SSR)' } } });
    render(view({ users: [1], orders: false }));
    expect(text('name-0')).toBe('Ada (SSR)');
    expect(text('status-0')).toBe('success');
    await settle();
    expect(app.fetches()).toEqual([]);
  });

  it('MizanProvider configures the client before its children fetch', async () => {
    client = new MizanClient({ baseUrl: 'http://127.0.0.1:1/nowhere', csrf: false, retry: 0 });
    render(view({ users: [2], orders: false }), { baseUrl: app.baseUrl });
    await waitFor(() => expect(text('name-0')).toBe('Bob'));
  });

  it('unmounting leaves no subscription behind: the instance is only marked stale, then refetched on remount', async () => {
    const live = countSubscriptions(client.instance('user', { user_id: 1 }));
    const page = view({ users: [1], orders: false });
    render(page);
    await waitFor(() => expect(text('name-0')).toBe('Ada'));
    expect(live()).toBe(1); // the provider's one subscription, however many readers
    page.users = [null];
    flushSync();
    expect(live()).toBe(0);
    await rename.mutate({ user_id: 1, name: 'Ada L.' });
    await settle();
    expect(app.fetches()).toEqual(['1']); // not mounted: marked stale, not refetched
    page.users = [1];
    await waitFor(() => expect(text('name-0')).toBe('Ada L.'));
    expect(app.fetches()).toEqual(['1', '1']);
    unmount(component!);
    component = undefined;
    expect(live()).toBe(0);
  });

  it('a provider remounted within the gc delay reuses its instance; after it, the instance is dropped', async () => {
    const page = view({ users: [1], orders: false });
    render(page);
    await waitFor(() => expect(text('name-0')).toBe('Ada'));
    page.users = [null];
    flushSync();
    page.users = [1];
    flushSync();
    expect(text('name-0')).toBe('Ada');
    await settle();
    expect(app.fetches()).toEqual(['1']);

    client.configure({ gcTimeMs: 0 });
    page.users = [null];
    flushSync();
    await settle(); // the gc timer (0 ms) runs
    page.users = [1];
    flushSync();
    expect(text('name-0')).toBe('…');
    await waitFor(() => expect(text('name-0')).toBe('Ada'));
    expect(app.fetches()).toEqual(['1', '1']);
  });
});

describe('@mizan/svelte, live', () => {
  let scripted: ScriptedServer;
  beforeEach(async () => {
    scripted = await startScripted();
    client.configure({ baseUrl: scripted.baseUrl, live: websocket({ socket: (url) => new WebSocket(url) as unknown as SocketLike }) });
  });
  afterEach(async () => {
    client.configure({ live: false });
    await scripted.close();
  });

  it('a channel hook joins once for every component, renders messages, sends, follows its params and leaves on destroy', async () => {
    const page = rooms(['general', 'general']);
    let chat: ReturnType<typeof useChatChannel> | undefined;
    container = document.createElement('div');
    document.body.append(container);
    component = mount(ChatHarness, { target: container, props: { client, rooms: page, expose: (c) => (chat = c) } });
    flushSync();
    await waitFor(() => expect([text('chat-0'), text('chat-1')]).toEqual(['joined:', 'joined:']));
    scripted.push({ action: 'message', channel: 'chat', message: { author: 'x', text: 'hi' }, params: { room: 'general' } });
    await waitFor(() => expect([text('chat-0'), text('chat-1')]).toEqual(['joined:hi', 'joined:hi']));
    await chat!.send({ text: 'yo' });
    expect(scripted.sent('join')).toEqual(['chat {"params":{"room":"general"}}']);
    expect(scripted.sent('send')).toEqual(['chat {"params":{"room":"general"},"message":{"text":"yo"}}']);
    page.list[1] = 'random';
    await waitFor(() => expect(text('chat-1')).toBe('joined:'));
    expect(scripted.sent('join')).toEqual(['chat {"params":{"room":"general"}}', 'chat {"params":{"room":"random"}}']);
    expect(text('chat-0')).toBe('joined:hi');
    page.list = [];
    await waitFor(() => expect(scripted.sent('leave')).toHaveLength(2));
  });
});
