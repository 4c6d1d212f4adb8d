import { afterEach, describe, expect, it, vi } from 'vitest';
import { instanceKey, MizanError, processInvalidateHeader } from '../src/index.js';
import { memoryClient, mounted, settle } from './support/memory.js';

const setup = memoryClient;


describe('context instances', () => {
  it('are keyed by name and canonical params, dropping undefined values', () => {
    const { client } = setup();
    const a = client.instance('user', { user_id: 5, tab: undefined });
    expect(client.instance('user', { user_id: 5 })).toBe(a);
    expect(client.instance('user', { user_id: '5' })).toBe(a);
    expect(client.instance('user', { user_id: 6 })).not.toBe(a);
    expect(a.key).toBe('user;user_id=5');
    expect(instanceKey('user', { b: 'x y', a: true, c: undefined })).toBe('user;a=true;b=x%20y');
  });

  it('the first subscriber fetches; state goes idle → loading → success', async () => {
    const { client, transport } = setup();
    const user = client.instance('user', { user_id: 5 });
    expect(user.getState()).toMatchObject({ status: 'idle', data: undefined, isFetching: false, updatedAt: 0 });
    user.subscribe(() => undefined);
    expect(user.getState()).toMatchObject({ status: 'loading', isFetching: true });
    await settle();
    expect(user.getState()).toMatchObject({
      status: 'success',
      isFetching: false,
      error: null,
      data: { name: 'user', params: { user_id: 5 }, version: 1 },
    });
    expect(user.getState().updatedAt).toBeGreaterThan(0);
    expect(transport.fetches).toHaveLength(1);
  });

  it('getState returns the same snapshot until the state changes', async () => {
    const { client, transport } = setup();
    const user = client.instance('user');
    await mounted(user);
    const first = user.getState();
    expect(user.getState()).toBe(first);
    transport.version = 2;
    client.invalidate('user');
    await settle();
    expect(user.getState()).not.toBe(first);
    expect(user.getState().data).toMatchObject({ version: 2 });
  });

  it('two subscribers on one instance share one request', async () => {
    const { client, transport } = setup();
    const user = client.instance('user', { user_id: 5 });
    user.subscribe(() => undefined);
    user.subscribe(() => undefined);
    client.instance('user', { user_id: 5 }).subscribe(() => undefined);
    await settle();
    expect(transport.fetches).toHaveLength(1);
  });

  it('a throwing subscriber does not keep the others from hearing; its error is reported after them', async () => {
    const { client } = setup();
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      const user = client.instance('user', { user_id: 5 });
      user.subscribe(() => {
        throw new Error('broken listener');
      });
      const heard: string[] = [];
      user.subscribe(() => heard.push(user.getState().status));
      // The client's event log is the same kind of store.
      client.on(() => {
        throw new Error('broken event listener');
      });
      const events: string[] = [];
      client.on((e) => events.push(e.type));
      client.invalidate({ context: 'user', params: { user_id: 5 } });
      await settle();
      expect(heard.at(-1)).toBe('success');
      expect(events).toContain('invalidate');
      expect(errors.length).toBeGreaterThan(0);
      expect(new Set(errors.map(String))).toEqual(new Set(['Error: broken listener', 'Error: broken event listener']));
    } finally {
      process.off('uncaughtException', onError);
    }
  });

  it('a failed fetch sets status error with a MizanError, keeps subscribers, and refetches on the next subscribe', async () => {
    const { client, transport } = setup({ retry: 0 });
    transport.bundle = () => {
      throw new MizanError(404, 'NOT_FOUND', 'Unknown context');
    };
    const ghost = client.instance('ghost');
    const stop = await mounted(ghost);
    expect(ghost.getState()).toMatchObject({ status: 'error', isFetching: false, data: undefined });
    expect(ghost.getState().error).toBeInstanceOf(MizanError);
    expect(ghost.getState().error?.code).toBe('NOT_FOUND');
    stop();
    transport.bundle = () => ({ ok: true });
    await mounted(ghost);
    expect(ghost.getState()).toMatchObject({ status: 'success', error: null, data: { ok: true } });
    expect(transport.fetches).toHaveLength(2);
  });

  it('refetch() fetches even without subscribers and resolves when settled', async () => {
    const { client, transport } = setup();
    const user = client.instance('user');
    await user.refetch();
    expect(user.getState().status).toBe('success');
    expect(transport.fetches).toHaveLength(1);
  });
});

describe('invalidation batching', () => {
  it('N invalidations of one instance in one tick make one request', async () => {
    const { client, transport } = setup();
    const user = client.instance('user', { user_id: 5 });
    await mounted(user);
    expect(transport.fetches).toHaveLength(1);
    client.invalidate('user');
    client.invalidate({ context: 'user', params: { user_id: 5 } });
    client.invalidate([{ context: 'user', function: 'user_profile' }, 'user', 'user']);
    processInvalidateHeader(client, 'user, user;user_id=5');
    await settle();
    expect(transport.fetches).toHaveLength(2);
  });

  it('an invalidation during an in-flight fetch makes exactly one more request after it', async () => {
    const { client, transport } = setup();
    transport.manual = true;
    const user = client.instance('user', { user_id: 5 });
    user.subscribe(() => undefined);
    await settle();
    expect(transport.inFlight).toBe(1);

    transport.version = 2;
    client.invalidate('user');
    await settle();
    client.invalidate('user'); // a second tick, same flight: still one more request
    await settle();
    expect(transport.fetches).toHaveLength(1);

    transport.release();
    await settle();
    expect(transport.fetches).toHaveLength(2);
    expect(user.getState().isFetching).toBe(true);
    transport.release();
    await settle();
    expect(transport.fetches).toHaveLength(2);
    expect(user.getState()).toMatchObject({ isFetching: false, status: 'success', data: { version: 2 } });
  });

  it('a later fetch does not join an in-flight request that an invalidation made stale', async () => {
    const { client, transport } = setup();
    transport.manual = true;
    const early = client.fetchContext('user', { user_id: 5 });
    await settle();
    client.invalidate({ context: 'user', params: { user_id: 5 } });
    await settle();
    const late = client.fetchContext('user', { user_id: 5 });
    expect(late).not.toBe(early);
    transport.release();
    await Promise.all([early, late]);
    expect(transport.fetches).toHaveLength(2);
  });

  it('a scoped target hits only instances whose params match', async () => {
    const { client, transport } = setup();
    const five = client.instance('user', { user_id: 5 });
    const fiveTab = client.instance('user', { user_id: 5, tab: 'orders' });
    const six = client.instance('user', { user_id: 6 });
    const bare = client.instance('user');
    for (const i of [five, fiveTab, six, bare]) await mounted(i);
    transport.fetches = [];
    client.invalidate({ context: 'user', params: { user_id: '5' } });
    await settle();
    expect(transport.fetches.map((f) => f.params)).toEqual([{ user_id: 5 }, { user_id: 5, tab: 'orders' }]);

    transport.fetches = [];
    client.invalidate({ context: 'user', params: { user_id: 5, tab: 'orders' } });
    await settle();
    expect(transport.fetches.map((f) => f.params)).toEqual([{ user_id: 5, tab: 'orders' }]);
  });

  it('a broad target hits every instance of its context and no other context', async () => {
    const { client, transport } = setup();
    for (const i of [client.instance('user', { user_id: 5 }), client.instance('user', { user_id: 6 }), client.instance('user'), client.instance('orders')]) {
      await mounted(i);
    }
    transport.fetches = [];
    client.invalidate('user');
    await settle();
    expect(transport.fetches.map((f) => f.name)).toEqual(['user', 'user', 'user']);
  });

  it('a function-level target refetches its whole context, scoped by its params', async () => {
    const { client, transport } = setup();
    await mounted(client.instance('user', { user_id: 5 }));
    await mounted(client.instance('user', { user_id: 6 }));
    transport.fetches = [];
    client.invalidate({ context: 'user', function: 'user_profile', params: { user_id: 6 } });
    await settle();
    expect(transport.fetches).toEqual([{ name: 'user', params: { user_id: 6 } }]);
    transport.fetches = [];
    client.invalidate({ context: 'user', function: 'user_profile' });
    await settle();
    expect(transport.fetches).toHaveLength(2);
  });

  it('unmounted instances are marked stale and not fetched until subscribed again', async () => {
    const { client, transport } = setup();
    const user = client.instance('user', { user_id: 5 });
    const stop = await mounted(user);
    stop();
    const never = client.instance('user', { user_id: 7 }); // never subscribed, no data
    client.invalidate('user');
    await settle();
    expect(transport.fetches).toHaveLength(1);
    expect(never.getState().status).toBe('idle');

    await mounted(user);
    expect(transport.fetches).toHaveLength(2);
    // Not stale any more: a further subscriber does not fetch.
    await mounted(user);
    expect(transport.fetches).toHaveLength(2);
  });

  it('call applies the response: merge first, then invalidate', async () => {
    const { client, transport } = setup();
    transport.bundle = (_name, params) => ({ items: [{ id: 1, v: 'a' }], params, version: transport.version });
    const items = client.instance('items');
    const user = client.instance('user');
    await mounted(items);
    await mounted(user);
    const seen: unknown[] = [];
    items.subscribe(() => seen.push(items.getState().data));
    transport.callResponse = {
      result: { id: 2, v: 'b' },
      invalidate: ['user'],
      merge: [{ context: 'items', slot: 'items', mode: 'upsert', key: 'id', value: { id: 2, v: 'b' } }],
    };
    const result = await client.call<{ id: number }>('add_item', { v: 'b' });
    expect(result).toEqual({ id: 2, v: 'b' });
    // The merge landed synchronously, before the invalidation's microtask.
    expect(items.getState().data).toMatchObject({ items: [{ id: 1 }, { id: 2, v: 'b' }] });
    await settle();
    expect(transport.calls).toEqual([{ fn: 'add_item', args: { v: 'b' } }]);
    expect(transport.fetches.map((f) => f.name)).toEqual(['items', 'user', 'user']);
    expect(seen).toHaveLength(1);
  });

  it('pushes from the transport take the same path as responses', async () => {
    const { client, transport } = setup();
    transport.bundle = () => ({ count: 1 });
    const inbox = client.instance('inbox', { user_id: 5 });
    await mounted(inbox);
    transport.push({ merge: [{ context: 'inbox', slot: 'count', mode: 'replace', value: 9 }] });
    expect(inbox.getState().data).toEqual({ count: 9 });
    transport.push({ invalidate: [{ context: 'inbox', params: { user_id: 5 } }] });
    await settle();
    expect(transport.fetches).toHaveLength(2);
  });

  it('a push transport watches an instance from its first subscriber until it is dropped', async () => {
    vi.useFakeTimers();
    const { client, transport } = setup({ gcTimeMs: 1000 });
    const log: string[] = [];
    transport.watch = (name, params) => {
      log.push(`watch ${name} ${JSON.stringify(params)}`);
      return () => log.push(`unwatch ${name}`);
    };
    const user = client.instance('user', { user_id: 5 });
    const a = user.subscribe(() => undefined);
    const b = user.subscribe(() => undefined);
    a();
    b();
    b(); // unsubscribing twice is harmless
    // Unmounted but kept: still watched, so that a push marks it stale while it waits for a remount.
    user.subscribe(() => undefined)();
    await vi.advanceTimersByTimeAsync(999);
    expect(log).toEqual(['watch user {"user_id":5}']);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['watch user {"user_id":5}', 'unwatch user']);
    vi.useRealTimers();
  });

  it('a push for an unmounted instance marks it stale: its remount refetches it', async () => {
    const { client, transport } = setup();
    transport.watch = () => () => undefined;
    const user = client.instance('user', { user_id: 5 });
    (await mounted(user))();
    transport.push({ invalidate: [{ context: 'user', params: { user_id: 5 } }] });
    await settle();
    expect(transport.fetches).toHaveLength(1);
    await mounted(user);
    expect(transport.fetches).toHaveLength(2);
  });

  it('processInvalidateHeader accepts a Response, Headers or the raw value', async () => {
    const { client, transport } = setup();
    await mounted(client.instance('user', { user_id: 5 }));
    await mounted(client.instance('notifications'));
    transport.fetches = [];
    const response = new Response('<html/>', { headers: { 'X-Mizan-Invalidate': 'notifications, user;user_id=5' } });
    expect(processInvalidateHeader(client, response)).toEqual(['notifications', { context: 'user', params: { user_id: '5' } }]);
    await settle();
    expect(transport.fetches).toHaveLength(2);
    expect(processInvalidateHeader(client, new Headers())).toEqual([]);
    expect(processInvalidateHeader(client, null)).toEqual([]);
    processInvalidateHeader(client, new Headers({ 'x-mizan-invalidate': 'user;user_id=6' }));
    await settle();
    expect(transport.fetches).toHaveLength(2);
  });
});

describe('merge', () => {
  const bundle = () => ({ items_list: [{ id: 1, v: 'a' }, { id: 2, v: 'b' }], title: 'Items' });

  it('merge replace overwrites the slot with zero requests', async () => {
    const { client, transport } = setup();
    transport.bundle = bundle;
    const items = client.instance('items');
    await mounted(items);
    const before = items.getState();
    client.applyMerge([{ context: 'items', slot: 'title', mode: 'replace', value: 'Renamed' }]);
    expect(items.getState()).not.toBe(before);
    expect(items.getState().data).toEqual({ ...bundle(), title: 'Renamed' });
    expect(before.data).toEqual(bundle()); // the old snapshot is untouched
    await settle();
    expect(transport.fetches).toHaveLength(1);
  });

  it('merge upsert replaces the element with the same key, else appends, with zero requests', async () => {
    const { client, transport } = setup();
    transport.bundle = bundle;
    const items = client.instance('items');
    await mounted(items);
    client.applyMerge([{ context: 'items', slot: 'items_list', mode: 'upsert', key: 'id', value: { id: '2', v: 'B' } }]);
    expect(items.getState().data).toMatchObject({ items_list: [{ id: 1, v: 'a' }, { id: '2', v: 'B' }] });
    client.applyMerge([{ context: 'items', slot: 'items_list', mode: 'upsert', key: 'id', value: { id: 3, v: 'c' } }]);
    expect(items.getState().data).toMatchObject({
      items_list: [{ id: 1, v: 'a' }, { id: '2', v: 'B' }, { id: 3, v: 'c' }],
    });
    await settle();
    expect(transport.fetches).toHaveLength(1);
  });

  it('merge applies only to instances whose params match its params', async () => {
    const { client, transport } = setup();
    transport.bundle = () => ({ title: 'x' });
    const a = client.instance('board', { board_id: 1 });
    const b = client.instance('board', { board_id: 2 });
    await mounted(a);
    await mounted(b);
    client.applyMerge([{ context: 'board', slot: 'title', mode: 'replace', params: { board_id: 2 }, value: 'y' }]);
    expect(a.getState().data).toEqual({ title: 'x' });
    expect(b.getState().data).toEqual({ title: 'y' });
  });

  it('a merge received during an in-flight fetch survives its result', async () => {
    const { client, transport } = setup();
    transport.bundle = bundle;
    transport.manual = true;
    const items = client.instance('items');
    items.subscribe(() => undefined);
    await settle();
    client.applyMerge([{ context: 'items', slot: 'items_list', mode: 'upsert', key: 'id', value: { id: 3, v: 'c' } }]);
    transport.release();
    await settle();
    expect(items.getState().data).toMatchObject({ items_list: [{ id: 1 }, { id: 2 }, { id: 3, v: 'c' }] });
    expect(transport.fetches).toHaveLength(1);
  });
});

describe('fetchContext', () => {
  it('identical in-flight context fetches share one request', async () => {
    const { client, transport } = setup();
    transport.manual = true;
    const a = client.fetchContext('user', { user_id: 5 });
    const b = client.fetchContext('user', { user_id: '5', extra: undefined });
    const c = client.fetchContext('user', { user_id: 6 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    await settle();
    transport.release();
    await Promise.all([a, b, c]);
    expect(transport.fetches).toHaveLength(2);
    // Settled requests are not cached: the next fetch goes to the server.
    transport.manual = false;
    await client.fetchContext('user', { user_id: 5 });
    expect(transport.fetches).toHaveLength(3);
  });
});

describe('hydration', () => {
  afterEach(() => {
    delete (globalThis as { __MIZAN_SSR_DATA__?: unknown }).__MIZAN_SSR_DATA__;
  });

  it('hydrate seeds data with no request', async () => {
    const { client, transport } = setup();
    client.hydrate({ global: { site: 'Mizan' }, 'user;user_id=5': { user_profile: { name: 'Zoë' } } });
    const user = client.instance('user', { user_id: 5 });
    expect(user.getState()).toMatchObject({ status: 'success', data: { user_profile: { name: 'Zoë' } } });
    await mounted(user);
    await mounted(client.instance('global'));
    expect(transport.fetches).toHaveLength(0);
    // Hydrated instances still take invalidations.
    client.invalidate({ context: 'user', params: { user_id: 5 } });
    await settle();
    expect(transport.fetches).toEqual([{ name: 'user', params: { user_id: 5 } }]);
  });

  it('reads globalThis.__MIZAN_SSR_DATA__.contexts at construction', async () => {
    (globalThis as { __MIZAN_SSR_DATA__?: unknown }).__MIZAN_SSR_DATA__ = {
      contexts: { [instanceKey('search', { q: 'a;b, c', page: 2 })]: { hits: [] } },
    };
    const { client, transport } = setup();
    const search = client.instance('search', { page: 2, q: 'a;b, c' });
    expect(search.getState().data).toEqual({ hits: [] });
    await mounted(search);
    expect(transport.fetches).toHaveLength(0);
  });
});

describe('garbage collection', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops an instance gcTimeMs after its last subscriber leaves', async () => {
    vi.useFakeTimers();
    const { client } = setup({ gcTimeMs: 1000 });
    const user = client.instance('user');
    const stop = user.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.instance('user')).toBe(user); // subscribed: kept
    stop();
    await vi.advanceTimersByTimeAsync(999);
    expect(client.instance('user')).toBe(user);
    // A new subscriber in time cancels the collection.
    const again = user.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.instance('user')).toBe(user);
    again();
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.instance('user')).not.toBe(user);
  });

  it('defaults gcTimeMs to 5 minutes, also for instances never subscribed', async () => {
    vi.useFakeTimers();
    const { client } = setup();
    const user = client.instance('user');
    await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
    expect(client.instance('user')).toBe(user);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(client.instance('user')).not.toBe(user);
  });
});
