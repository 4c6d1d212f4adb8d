import { type ContextInstance, MizanClient, MizanError, type SocketLike, websocket } from '@mizan/base';
import {
  type App as VueApp,
  type Component,
  createApp,
  createSSRApp,
  defineComponent,
  h,
  nextTick,
  onErrorCaptured,
  ref,
  Suspense,
  type VNodeChild,
} from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type App, startApp } from '../../base/test/support/app.js';
import { type ScriptedServer, startScripted } from '../../base/test/support/socket-server.js';
import { MizanProvider, useMizan } from '../src/index.js';
import {
  UserContext,
  useChatChannel,
  useRenameUser,
  useSuspenseUserContext,
  useUserContext,
  useUserOrders,
  useUserProfile,
} from './support/generated.js';

let app: App;
let client: MizanClient;
let vue: VueApp | undefined;
let container: HTMLElement;

beforeEach(async () => {
  app = await startApp();
  client = new MizanClient({ baseUrl: app.baseUrl, csrf: false, retry: 0 });
});

afterEach(async () => {
  vue?.unmount();
  vue = undefined;
  container?.remove();
  await app.close();
  vi.restoreAllMocks();
});

function render(ui: () => VNodeChild): void {
  container = document.createElement('div');
  document.body.append(container);
  vue = createApp({ render: () => h(MizanProvider, { client }, ui) });
  vue.mount(container);
}

const text = (id: string) => container.querySelector(`[data-testid="${id}"]`)?.textContent;

/** Lets the network and Vue work until `check` passes. */
async function waitFor(check: () => void): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
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

const Name = defineComponent({
  props: { id: { type: String, default: 'name' } },
  setup(props) {
    const profile = useUserProfile();
    return () => h('span', { 'data-testid': props.id }, profile.value?.name ?? '…');
  },
});

const Status = defineComponent({
  props: { id: { type: String, default: 'status' } },
  setup(props) {
    const state = useUserContext();
    return () => {
      const { status, error, isFetching } = state.value;
      return h('span', { 'data-testid': props.id }, `${status}${isFetching ? '+fetching' : ''}${error ? `:${error.code}` : ''}`);
    };
  },
});

let rename: ReturnType<typeof useRenameUser>;
const Renamer = defineComponent(() => {
  rename = useRenameUser();
  const { isPending, data, error } = rename;
  return () => h('span', { 'data-testid': 'mutation' }, `${isPending.value}:${data.value?.name ?? ''}:${error.value?.code ?? ''}`);
});

const user = (userId: number, ...children: Component[]) => h(UserContext, { user_id: userId }, () => children.map((c) => h(c)));

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

describe('@mizan/vue', () => {
  it('a mutation in one component updates another component’s context with its own reply: one request', async () => {
    render(() => [user(1, Name), h(Renamer)]);
    await waitFor(() => expect(text('name')).toBe('Ada'));
    const result = await rename.mutate({ user_id: 1, name: 'Ada Lovelace' });
    expect(result).toEqual({ id: 1, name: 'Ada Lovelace' });
    await waitFor(() => expect(text('name')).toBe('Ada Lovelace'));
    expect(text('mutation')).toBe('false:Ada Lovelace:');
    await settle();
    expect(app.fetches()).toEqual(['1']);
  });

  it('an optimistic rename shows before the reply; a failed one is taken back', async () => {
    let optimistic: ReturnType<typeof useRenameUser> | undefined;
    const Optimistic = defineComponent(() => {
      optimistic = useRenameUser({ optimistic: { user_profile: (profile, args) => ({ ...profile, name: args.name }) } });
      return () => h('span', { 'data-testid': 'optimistic' }, optimistic!.error.value?.code ?? '');
    });
    render(() => [user(1, Name, Optimistic)]);
    await waitFor(() => expect(text('name')).toBe('Ada'));
    const release = app.holdCalls();
    const done = optimistic!.mutate({ user_id: 1, name: 'Grace' });
    await nextTick();
    expect(text('name')).toBe('Grace');
    release();
    await done;
    const failed = optimistic!.mutate({ user_id: 1, name: '' }).catch((e: unknown) => e);
    await nextTick();
    expect(text('name')).toBe('');
    expect(await failed).toMatchObject({ code: 'VALIDATION_ERROR' });
    await nextTick();
    expect(text('name')).toBe('Grace');
    expect(text('optimistic')).toBe('VALIDATION_ERROR');
    expect(app.fetches()).toEqual(['1']);
  });

  it('an async setup awaiting a suspending read renders under <Suspense> once the data is there', async () => {
    const Profile = defineComponent(async () => {
      const data = await useSuspenseUserContext();
      return () => h('span', { 'data-testid': 'suspended' }, data.value.user_profile.name);
    });
    render(() => [h(UserContext, { user_id: 2 }, () => h(Suspense, null, { default: () => h(Profile), fallback: () => h('span', { 'data-testid': 'fallback' }, 'loading') }))]);
    expect(text('fallback')).toBe('loading');
    await waitFor(() => expect(text('suspended')).toBe('Bob'));
    expect(app.fetches()).toEqual(['2']);
  });

  it('two components on one instance share one request', async () => {
    const NameA = defineComponent(() => () => h(Name, { id: 'a' }));
    const NameB = defineComponent(() => () => h(Name, { id: 'b' }));
    const NameC = defineComponent(() => () => h(Name, { id: 'c' }));
    render(() => [user(1, NameA, Status), user(1, NameB), user(2, NameC)]);
    await waitFor(() => expect([text('a'), text('b'), text('c')]).toEqual(['Ada', 'Ada', 'Bob']));
    expect(app.fetches().sort()).toEqual(['1', '2']);
    expect(text('status')).toBe('success');
  });

  it('a new params object on every render does not refetch; new params switch instances', async () => {
    const tick = ref(0);
    const userId = ref(1);
    render(() => {
      void tick.value; // re-render the provider's parent with a fresh props object
      return user(userId.value, Name);
    });
    await waitFor(() => expect(text('name')).toBe('Ada'));
    for (let i = 0; i < 3; i++) {
      tick.value++;
      await nextTick();
    }
    await settle();
    expect(app.fetches()).toEqual(['1']);
    userId.value = 2;
    await waitFor(() => expect(text('name')).toBe('Bob'));
    expect(app.fetches()).toEqual(['1', '2']);
  });

  it('useContextState reports loading, then success; a failed fetch is an error state', async () => {
    const Ok = defineComponent(() => () => h(Status, { id: 'ok' }));
    const Missing = defineComponent(() => () => h(Status, { id: 'missing' }));
    render(() => [user(1, Ok), user(99, Missing)]);
    await nextTick(); // the providers subscribe when mounted, which starts the fetch
    expect(text('ok')).toBe('loading+fetching');
    await waitFor(() => expect([text('ok'), text('missing')]).toEqual(['success', 'error:NOT_FOUND']));
  });

  it('the composable of a context used outside its provider throws an error naming the provider', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined); // Vue's report of the captured error
    const caught: string[] = [];
    const Boundary = defineComponent((_, { slots }) => {
      onErrorCaptured((error) => {
        caught.push((error as Error).message);
        return false;
      });
      return () => slots['default']?.();
    });
    render(() => h(Boundary, null, () => [h(Status), h(Name)]));
    expect(caught).toEqual([
      'useUserContext() must be used inside <UserContext>',
      "useMember(UserContext, 'user_profile') must be used inside <UserContext>",
    ]);
  });

  it('useMutation reports isPending, then a MizanError; reset clears it', async () => {
    render(() => h(Renamer));
    expect(text('mutation')).toBe('false::');
    const pending = rename.mutate({ user_id: 1, name: '' }).catch((e: unknown) => e);
    await nextTick();
    expect(text('mutation')).toBe('true::');
    const error = await pending;
    expect(error).toBeInstanceOf(MizanError);
    await nextTick();
    expect(text('mutation')).toBe('false::VALIDATION_ERROR');
    expect(rename.error.value?.fieldErrors('name')).toEqual(['required']);
    rename.reset();
    await nextTick();
    expect(text('mutation')).toBe('false::');
  });

  it('a merge in a call response updates the context with no request, and other members do not re-render', async () => {
    let nameRenders = 0;
    const CountedName = defineComponent(() => {
      const profile = useUserProfile();
      return () => {
        nameRenders++;
        return h('span', { 'data-testid': 'name' }, profile.value?.name);
      };
    });
    let addOrder!: (args: { id: number; total: number }) => Promise<unknown>;
    const Orders = defineComponent(() => {
      const orders = useUserOrders();
      const mizan = useMizan();
      addOrder = (args) => mizan.call('add_order', args);
      return () => h('span', { 'data-testid': 'orders' }, orders.value?.map((o) => o.id).join(',') ?? '…');
    });
    render(() => user(1, CountedName, Orders));
    await waitFor(() => expect(text('orders')).toBe('10'));
    const rendersBefore = nameRenders;
    await addOrder({ id: 11, total: 7 });
    await nextTick();
    expect(text('orders')).toBe('10,11');
    expect(app.fetches()).toEqual(['1']);
    expect(nameRenders).toBe(rendersBefore);
  });

  it('hydrated data renders on the first render with no request', async () => {
    client.hydrate({ 'user;user_id=1': { user_orders: [], user_profile: { id: 1, name: 'Ada (SSR)' } } });
    render(() => user(1, Name, Status));
    expect(text('name')).toBe('Ada (SSR)');
    expect(text('status')).toBe('success');
    await settle();
    expect(app.fetches()).toEqual([]);
  });

  it('MizanProvider configures the client before its children fetch', async () => {
    client = new MizanClient({ baseUrl: 'http://127.0.0.1:1/nowhere', csrf: false, retry: 0 });
    container = document.createElement('div');
    document.body.append(container);
    vue = createApp({ render: () => h(MizanProvider, { client, config: { baseUrl: app.baseUrl } }, () => user(2, Name)) });
    vue.mount(container);
    await waitFor(() => expect(text('name')).toBe('Bob'));
  });

  it('unmounting leaves no subscription behind: the instance is only marked stale, then refetched on remount', async () => {
    const live = countSubscriptions(client.instance('user', { user_id: 1 }));
    const shown = ref(true);
    render(() => [shown.value ? user(1, Name, Status) : null, h(Renamer)]);
    await waitFor(() => expect(text('name')).toBe('Ada'));
    expect(live()).toBe(1); // the provider's one subscription, however many readers
    shown.value = false;
    await nextTick();
    expect(live()).toBe(0);
    await rename.mutate({ user_id: 1, name: 'Ada L.' });
    await settle();
    expect(app.fetches()).toEqual(['1']); // not mounted: marked stale, not refetched
    shown.value = true;
    await waitFor(() => expect(text('name')).toBe('Ada L.'));
    expect(app.fetches()).toEqual(['1', '1']);
    vue!.unmount();
    vue = undefined;
    expect(live()).toBe(0);
  });

  it('a provider remounted within the gc delay reuses its instance; after it, the instance is dropped', async () => {
    const shown = ref(true);
    render(() => (shown.value ? user(1, Name) : null));
    await waitFor(() => expect(text('name')).toBe('Ada'));
    shown.value = false;
    await nextTick();
    shown.value = true;
    await nextTick();
    expect(text('name')).toBe('Ada');
    await settle();
    expect(app.fetches()).toEqual(['1']);

    client.configure({ gcTimeMs: 0 });
    shown.value = false;
    await nextTick();
    await settle(); // the gc timer (0 ms) runs
    shown.value = true;
    await nextTick();
    expect(text('name')).toBe('…');
    await waitFor(() => expect(text('name')).toBe('Ada'));
    expect(app.fetches()).toEqual(['1', '1']);
  });

  it('server rendering fetches each instance once (onServerPrefetch), renders its data and subscribes to nothing', async () => {
    const live = countSubscriptions(client.instance('user', { user_id: 1 }));
    const html = await renderToString(createSSRApp({ render: () => h(MizanProvider, { client }, () => user(1, Name, Status)) }));
    expect(html).toContain('>Ada<');
    expect(html).toContain('>success<');
    expect(app.fetches()).toEqual(['1']);
    expect(live()).toBe(0);
  });
});

describe('@mizan/vue, live', () => {
  const live = websocket({ socket: (url: string) => new WebSocket(url) as unknown as SocketLike });
  let scripted: ScriptedServer;
  beforeEach(async () => {
    scripted = await startScripted();
    client.configure({ baseUrl: scripted.baseUrl, live });
  });
  afterEach(async () => {
    client.configure({ live: false });
    await scripted.close();
  });

  let said: ReturnType<typeof useChatChannel> | undefined;
  const Chat = defineComponent({
    props: { id: { type: String, required: true }, room: { type: String, required: true } },
    setup(props) {
      const chat = useChatChannel(() => ({ room: props.room }));
      said = chat;
      const { status, messages } = chat;
      return () => h('span', { 'data-testid': props.id }, `${status.value}:${messages.value.map((m) => m.text).join(',')}`);
    },
  });

  it('a channel composable joins once for every component, renders messages, sends, follows its params and leaves on unmount', async () => {
    const shown = ref(true);
    const room = ref('general');
    render(() => (shown.value ? [h(Chat, { id: 'a', room: room.value }), h(Chat, { id: 'b', room: 'general' })] : null));
    await waitFor(() => expect([text('a'), text('b')]).toEqual(['joined:', 'joined:']));
    scripted.push({ action: 'message', channel: 'chat', message: { author: 'x', text: 'hi' }, params: { room: 'general' } });
    await waitFor(() => expect([text('a'), text('b')]).toEqual(['joined:hi', 'joined:hi']));
    await said!.send({ text: 'yo' });
    expect(scripted.sent('join')).toEqual(['chat {"params":{"room":"general"}}']);
    expect(scripted.sent('send')).toEqual(['chat {"params":{"room":"general"},"message":{"text":"yo"}}']);
    room.value = 'random';
    await waitFor(() => expect(text('a')).toBe('joined:'));
    expect(scripted.sent('join')).toEqual(['chat {"params":{"room":"general"}}', 'chat {"params":{"room":"random"}}']);
    shown.value = false;
    await waitFor(() => expect(scripted.sent('leave')).toHaveLength(2));
  });

  it('server rendering joins nothing', async () => {
    const html = await renderToString(createSSRApp({ render: () => h(MizanProvider, { client }, () => h(Chat, { id: 'a', room: 'general' })) }));
    expect(html).toContain('>closed:<');
    await settle();
    expect(scripted.frames).toEqual([]);
  });
});
