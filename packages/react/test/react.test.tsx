import { type ContextInstance, MizanClient, MizanError, type SocketLike, websocket } from '@mizan/base';
import { Component, type ReactNode, StrictMode, Suspense, useState } from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { MizanProvider, useMizan } from '../src/index.js';
import { type App, startApp } from '../../base/test/support/app.js';
import { type ScriptedServer, startScripted } from '../../base/test/support/socket-server.js';
import {
  UserContext,
  useChatChannel,
  useRenameUser,
  useSuspenseUserContext,
  useUserContext,
  useUserOrders,
  useUserProfile,
} from './support/generated.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let app: App;
let client: MizanClient;
let root: Root | undefined;
let container: HTMLElement;

beforeEach(async () => {
  app = await startApp();
  client = new MizanClient({ baseUrl: app.baseUrl, csrf: false, retry: 0 });
});

afterEach(async () => {
  if (root) act(() => root!.unmount());
  root = undefined;
  container?.remove();
  await app.close();
  vi.restoreAllMocks();
});

function render(ui: ReactNode): void {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  act(() => root!.render(<MizanProvider client={client}>{ui}</MizanProvider>));
}

/** Renders in an awaited `act`, as a tree that suspends needs. */
async function renderSuspending(ui: ReactNode): Promise<void> {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  await act(async () => root!.render(<MizanProvider client={client}>{ui}</MizanProvider>));
}

const text = (id: string) => container.querySelector(`[data-testid="${id}"]`)?.textContent;

/** Lets the network and React work until `check` passes. */
async function waitFor(check: () => void): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await act(() => new Promise((resolve) => setTimeout(resolve, 5)));
  }
}

function Name({ id = 'name' }: { id?: string }) {
  const profile = useUserProfile();
  return <span data-testid={id}>{profile?.name ?? '…'}</span>;
}

function Status({ id = 'status' }: { id?: string }) {
  const { status, error, isFetching } = useUserContext();
  return <span data-testid={id}>{`${status}${isFetching ? '+fetching' : ''}${error ? `:${error.code}` : ''}`}</span>;
}

let rename: ReturnType<typeof useRenameUser>;
function Renamer() {
  rename = useRenameUser();
  return <span data-testid="mutation">{`${rename.isPending}:${rename.data?.name ?? ''}:${rename.error?.code ?? ''}`}</span>;
}

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

/** Lets pending requests and timers run; used only to show that nothing happened. */
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 20)));

class Boundary extends Component<{ children: ReactNode }, { message: string | null }> {
  override state = { message: null as string | null };
  static getDerivedStateFromError(error: Error) {
    return { message: error.message };
  }
  override render() {
    return this.state.message === null ? this.props.children : <span data-testid="error">{this.state.message}</span>;
  }
}

describe('@mizan/react', () => {
  it('a mutation in one component updates another component’s context with its own reply: one request', async () => {
    render(
      <>
        <UserContext user_id={1}>
          <Name />
        </UserContext>
        <Renamer />
      </>,
    );
    await waitFor(() => expect(text('name')).toBe('Ada'));
    let result: unknown;
    await act(async () => {
      result = await rename.mutate({ user_id: 1, name: 'Ada Lovelace' });
    });
    expect(result).toEqual({ id: 1, name: 'Ada Lovelace' });
    // Single-flight: the shown instance came back with the call, before `mutate` resolved.
    expect(text('name')).toBe('Ada Lovelace');
    expect(text('mutation')).toBe('false:Ada Lovelace:');
    await settle();
    expect(app.fetches()).toEqual(['1']);
  });

  it('an optimistic rename shows before the reply, and a failed one is taken back with its error', async () => {
    let optimistic: ReturnType<typeof useRenameUser>;
    function Optimistic() {
      optimistic = useRenameUser({ optimistic: { user_profile: (profile, args) => ({ ...profile, name: args.name }) } });
      return <span data-testid="optimistic">{`${optimistic.isPending}:${optimistic.error?.code ?? ''}`}</span>;
    }
    render(
      <UserContext user_id={1}>
        <Name />
        <Optimistic />
      </UserContext>,
    );
    await waitFor(() => expect(text('name')).toBe('Ada'));
    const release = app.holdCalls();
    let done: Promise<unknown> | undefined;
    act(() => {
      done = optimistic!.mutate({ user_id: 1, name: 'Grace' });
    });
    expect(text('name')).toBe('Grace');
    expect(text('optimistic')).toBe('true:');
    await settle();
    expect(text('name')).toBe('Grace'); // still waiting for the server
    release();
    await act(async () => void (await done));
    expect(text('name')).toBe('Grace');

    let failed: Promise<unknown> | undefined;
    act(() => {
      failed = optimistic!.mutate({ user_id: 1, name: '' }).catch((e: unknown) => e);
    });
    expect(text('name')).toBe('');
    await act(async () => void (await failed));
    expect(text('name')).toBe('Grace');
    expect(text('optimistic')).toBe('false:VALIDATION_ERROR');
    expect(app.fetches()).toEqual(['1']);
  });

  it('a suspending read shows the fallback, then the data; a failed first fetch goes to the error boundary', async () => {
    function Profile({ id }: { id: string }) {
      const data = useSuspenseUserContext();
      return <span data-testid={id}>{data.user_profile.name}</span>;
    }
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // React reports what the boundary caught
    const fallback = vi.fn(() => <span data-testid="fallback">loading</span>);
    function Fallback() {
      return fallback();
    }
    await renderSuspending(
      <>
        <UserContext user_id={1}>
          <Suspense fallback={<Fallback />}>
            <Profile id="one" />
          </Suspense>
        </UserContext>
        <Boundary>
          <UserContext user_id={99}>
            <Suspense fallback={<span data-testid="fallback-99">loading</span>}>
              <Profile id="ninety-nine" />
            </Suspense>
          </UserContext>
        </Boundary>
      </>,
    );
    await waitFor(() => expect(text('one')).toBe('Ada'));
    expect(fallback).toHaveBeenCalled();
    await waitFor(() => expect(text('error')).toBe('No such user'));
    // One request each: the suspended read and the provider's subscription share it.
    expect(app.fetches().sort()).toEqual(['1', '99']);
  });

  it('two components on one instance share one request', async () => {
    render(
      <>
        <UserContext user_id={1}>
          <Name id="a" />
          <Status />
        </UserContext>
        <UserContext user_id={1}>
          <Name id="b" />
        </UserContext>
        <UserContext user_id={2}>
          <Name id="c" />
        </UserContext>
      </>,
    );
    await waitFor(() => expect([text('a'), text('b'), text('c')]).toEqual(['Ada', 'Ada', 'Bob']));
    expect(app.fetches().sort()).toEqual(['1', '2']);
    expect(text('status')).toBe('success');
  });

  it('StrictMode double mounting makes one request', async () => {
    render(
      <StrictMode>
        <UserContext user_id={1}>
          <Name />
        </UserContext>
      </StrictMode>,
    );
    await waitFor(() => expect(text('name')).toBe('Ada'));
    expect(app.fetches()).toEqual(['1']);
  });

  it('a new params object on every render does not refetch; new params switch instances', async () => {
    let bump!: () => void;
    let pick!: (id: number) => void;
    function Page() {
      const [, setTick] = useState(0);
      const [userId, setUserId] = useState(1);
      bump = () => setTick((t) => t + 1);
      pick = setUserId;
      return (
        <UserContext user_id={userId}>
          <Name />
        </UserContext>
      );
    }
    render(<Page />);
    await waitFor(() => expect(text('name')).toBe('Ada'));
    for (let i = 0; i < 3; i++) act(() => bump());
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(app.fetches()).toEqual(['1']);
    act(() => pick(2));
    await waitFor(() => expect(text('name')).toBe('Bob'));
    expect(app.fetches()).toEqual(['1', '2']);
  });

  it('useContextState reports loading, then success; a failed fetch is an error state', async () => {
    render(
      <>
        <UserContext user_id={1}>
          <Status id="ok" />
        </UserContext>
        <UserContext user_id={99}>
          <Status id="missing" />
        </UserContext>
      </>,
    );
    expect(text('ok')).toBe('loading+fetching');
    await waitFor(() => expect([text('ok'), text('missing')]).toEqual(['success', 'error:NOT_FOUND']));
  });

  it('the hook of a context used outside its provider throws an error naming the provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    render(
      <Boundary>
        <Status />
      </Boundary>,
    );
    expect(text('error')).toBe('useUserContext() must be used inside <UserContext>');
    act(() =>
      root!.render(
        <Boundary>
          <Name />
        </Boundary>,
      ),
    );
    expect(text('error')).toMatch(/must be used inside <UserContext>$/);
  });

  it('useMutation reports isPending, then a MizanError; reset clears it', async () => {
    render(<Renamer />);
    expect(text('mutation')).toBe('false::');
    let pending!: Promise<unknown>;
    act(() => {
      pending = rename.mutate({ user_id: 1, name: '' }).catch((e: unknown) => e);
    });
    expect(text('mutation')).toBe('true::');
    let error: unknown;
    await act(async () => {
      error = await pending;
    });
    expect(error).toBeInstanceOf(MizanError);
    expect(text('mutation')).toBe('false::VALIDATION_ERROR');
    expect(rename.error?.fieldErrors('name')).toEqual(['required']);
    act(() => rename.reset());
    expect(text('mutation')).toBe('false::');
  });

  it('a merge in a call response updates the context with no request, and other members do not re-render', async () => {
    let nameRenders = 0;
    function CountedName() {
      nameRenders++;
      return <span data-testid="name">{useUserProfile()?.name}</span>;
    }
    let addOrder!: (args: { id: number; total: number }) => Promise<unknown>;
    function Orders() {
      const orders = useUserOrders();
      const mizan = useMizan();
      addOrder = (args) => mizan.call('add_order', args);
      return <span data-testid="orders">{orders?.map((o) => o.id).join(',') ?? '…'}</span>;
    }
    render(
      <UserContext user_id={1}>
        <CountedName />
        <Orders />
      </UserContext>,
    );
    await waitFor(() => expect(text('orders')).toBe('10'));
    const rendersBefore = nameRenders;
    await act(async () => {
      await addOrder({ id: 11, total: 7 });
    });
    expect(text('orders')).toBe('10,11');
    expect(app.fetches()).toEqual(['1']);
    expect(nameRenders).toBe(rendersBefore);
  });

  it('hydrated data renders on the first render with no request', async () => {
    client.hydrate({ 'user;user_id=1': { user_orders: [], user_profile: { id: 1, name: 'Ada (SSR)' } } });
    render(
      <UserContext user_id={1}>
        <Name />
        <Status />
      </UserContext>,
    );
    expect(text('name')).toBe('Ada (SSR)');
    expect(text('status')).toBe('success');
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(app.fetches()).toEqual([]);
  });

  it('MizanProvider configures the client before its children fetch', async () => {
    client = new MizanClient({ baseUrl: 'http://127.0.0.1:1/nowhere', csrf: false, retry: 0 });
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
    act(() =>
      root!.render(
        <MizanProvider client={client} config={{ baseUrl: app.baseUrl }}>
          <UserContext user_id={2}>
            <Name />
          </UserContext>
        </MizanProvider>,
      ),
    );
    await waitFor(() => expect(text('name')).toBe('Bob'));
  });

  it('unmounting leaves no subscription behind: the instance is only marked stale, then refetched on remount', async () => {
    const live = countSubscriptions(client.instance('user', { user_id: 1 }));
    let show!: (shown: boolean) => void;
    function Page() {
      const [shown, setShown] = useState(true);
      show = setShown;
      return (
        <>
          {shown && (
            <UserContext user_id={1}>
              <Name />
              <Status />
            </UserContext>
          )}
          <Renamer />
        </>
      );
    }
    render(<Page />);
    await waitFor(() => expect(text('name')).toBe('Ada'));
    expect(live()).toBeGreaterThan(0);
    act(() => show(false));
    expect(live()).toBe(0);
    await act(async () => {
      await rename.mutate({ user_id: 1, name: 'Ada L.' });
    });
    await settle();
    expect(app.fetches()).toEqual(['1']); // not mounted: marked stale, not refetched
    act(() => show(true));
    await waitFor(() => expect(text('name')).toBe('Ada L.'));
    expect(app.fetches()).toEqual(['1', '1']);
    act(() => root!.unmount());
    root = undefined;
    expect(live()).toBe(0);
  });

  it('a provider remounted within the gc delay reuses its instance; after it, the instance is dropped', async () => {
    let show!: (shown: boolean) => void;
    function Page() {
      const [shown, setShown] = useState(true);
      show = setShown;
      return shown ? (
        <UserContext user_id={1}>
          <Name />
        </UserContext>
      ) : null;
    }
    render(<Page />);
    await waitFor(() => expect(text('name')).toBe('Ada'));
    act(() => show(false));
    act(() => show(true));
    expect(text('name')).toBe('Ada');
    await settle();
    expect(app.fetches()).toEqual(['1']);

    client.configure({ gcTimeMs: 0 });
    act(() => show(false));
    await settle(); // the gc timer (0 ms) runs
    act(() => show(true));
    expect(text('name')).not.toBe('Ada');
    await waitFor(() => expect(text('name')).toBe('Ada'));
    expect(app.fetches()).toEqual(['1', '1']);
  });
});

describe('@mizan/react, live', () => {
  // The `ws` package's socket: jsdom's does not run under vitest. (Chromium runs `live: websocket()` in tests/browser.)
  const live = websocket({ socket: (url: string) => new WebSocket(url) as unknown as SocketLike });
  let scripted: ScriptedServer;
  beforeEach(async () => {
    scripted = await startScripted();
  });
  afterEach(async () => {
    client.configure({ live: false });
    await scripted.close();
  });

  let said: ReturnType<typeof useChatChannel> | undefined;
  function Chat({ id }: { id: string }) {
    const chat = useChatChannel({ room: 'general' });
    said = chat;
    return <span data-testid={id}>{`${chat.status}:${chat.messages.map((m) => m.text).join(',')}`}</span>;
  }

  it('a channel hook joins once for every component, renders messages, sends, and leaves on unmount', async () => {
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
    const ui = (shown: boolean) => (
      <StrictMode>
        <MizanProvider client={client} config={{ baseUrl: scripted.baseUrl, live }}>
          {shown && <Chat id="a" />}
          {shown && <Chat id="b" />}
        </MizanProvider>
      </StrictMode>
    );
    act(() => root!.render(ui(true)));
    await waitFor(() => expect(text('a')).toBe('joined:'));
    scripted.push({ action: 'message', channel: 'chat', message: { author: 'x', text: 'hi' }, params: { room: 'general' } });
    await waitFor(() => expect([text('a'), text('b')]).toEqual(['joined:hi', 'joined:hi']));
    await act(() => said!.send({ text: 'yo' }));
    expect(scripted.sent('join')).toEqual(['chat {"params":{"room":"general"}}']);
    expect(scripted.sent('send')).toEqual(['chat {"params":{"room":"general"},"message":{"text":"yo"}}']);
    act(() => root!.render(ui(false)));
    await waitFor(() => expect(scripted.sent('leave')).toHaveLength(1));
    expect(scripted.sent('join')).toHaveLength(1);
  });

  it('a context shown on a live client refetches when the server pushes its invalidation', async () => {
    client.configure({ baseUrl: scripted.baseUrl, live });
    render(
      <UserContext user_id={1}>
        <Status />
      </UserContext>,
    );
    await waitFor(() => expect(text('status')).toBe('success'));
    scripted.push({ action: 'invalidate', invalidate: [{ context: 'user', params: { user_id: 1 } }] });
    await waitFor(() => expect(scripted.sent('fetch')).toHaveLength(2));
    expect(scripted.http).toEqual([]);
  });
});
