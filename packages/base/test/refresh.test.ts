/**
 * Single-flight refresh (PROTOCOL.md §3.5): a call asks for the shown
 * instances of the contexts its function affects, and applies the bundles
 * that come back instead of refetching them.
 */
import { describe, expect, it } from 'vitest';
import { type Call, MemoryTransport, memoryClient, mounted, settle } from './support/memory.js';

const setup = memoryClient;

/** What a server answers to `move_task(board_id)`: the board scoped, each listed instance the target hits refreshed. */
function boardServer(transport: MemoryTransport) {
  return (call: Call) => {
    const target = { context: 'board', params: { board_id: call.args['board_id'] } };
    const refreshed: Record<string, unknown> = {};
    for (const key of call.refresh ?? []) {
      if (key === `board;board_id=${String(call.args['board_id'])}`) refreshed[key] = { tasks: ['moved'], version: transport.version };
    }
    return { result: { ok: true }, invalidate: [target], ...(Object.keys(refreshed).length && { refreshed }) };
  };
}

describe('single-flight refresh', () => {
  it('a call sends the keys of the shown instances of the contexts it affects, and applies the bundles: no refetch', async () => {
    const { client, transport } = setup();
    transport.callResponse = boardServer(transport);
    const one = client.instance('board', { board_id: 1 });
    const two = client.instance('board', { board_id: 2 });
    const user = client.instance('user', { user_id: 1 });
    for (const i of [one, two, user]) await mounted(i);
    transport.fetches = [];
    transport.version = 2;

    await client.call('move_task', { board_id: 1, task_id: 3 }, { affects: ['board'] });
    // Board 2 cannot be scoped by board_id=1: only board 1 is asked for. `user` is not affected.
    expect(transport.calls).toEqual([{ fn: 'move_task', args: { board_id: 1, task_id: 3 }, refresh: ['board;board_id=1'] }]);
    expect(one.getState()).toMatchObject({ status: 'success', data: { tasks: ['moved'], version: 2 }, isFetching: false });
    await settle();
    expect(transport.fetches).toEqual([]);
  });

  it('instances of the context the reply did not refresh are still invalidated; unmounted ones only marked stale', async () => {
    const { client, transport } = setup();
    const shown = client.instance('board', { board_id: 1 });
    const left = client.instance('board', { board_id: 1, view: 'compact' });
    await mounted(shown);
    (await mounted(left))();
    transport.fetches = [];
    // A server that refreshes nothing (say, the instance failed to fetch there).
    transport.callResponse = (call) => ({
      result: null,
      invalidate: [{ context: 'board', params: { board_id: 1 } }],
      refreshed: Object.fromEntries((call.refresh ?? []).map((k) => [k, { error: { code: 'INTERNAL_ERROR', message: 'boom' } }])),
    });
    await client.call('move_task', { board_id: 1 }, { affects: ['board'] });
    expect(transport.calls[0]?.refresh).toEqual(['board;board_id=1']);
    await settle();
    // The failed refresh is left to the refetch; the unmounted instance waits for its remount.
    expect(transport.fetches).toEqual([{ name: 'board', params: { board_id: 1 } }]);
    expect(shown.getState().status).toBe('success');
    await mounted(left);
    expect(transport.fetches).toHaveLength(2);
  });

  it('sends nothing when the function affects no shown instance, and at most 16 keys', async () => {
    const { client, transport } = setup();
    for (let id = 0; id < 20; id++) await mounted(client.instance('row', { id }));
    await client.call('touch', {}, { affects: ['board'] });
    await client.call('touch_rows', {}, { affects: ['row'] });
    expect(transport.calls[0]?.refresh).toBeUndefined();
    expect(transport.calls[1]?.refresh).toHaveLength(16);
  });

  it('refresh: false asks for nothing: the invalidation refetches (two round trips)', async () => {
    const { client, transport } = setup({ refresh: false });
    transport.callResponse = boardServer(transport);
    await mounted(client.instance('board', { board_id: 1 }));
    transport.fetches = [];
    await client.call('move_task', { board_id: 1 }, { affects: ['board'] });
    expect(transport.calls[0]?.refresh).toBeUndefined();
    await settle();
    expect(transport.fetches).toEqual([{ name: 'board', params: { board_id: 1 } }]);
  });

  it('a refreshed bundle wins over a fetch that was in flight when it came', async () => {
    const { client, transport } = setup();
    transport.callResponse = boardServer(transport);
    const board = client.instance('board', { board_id: 1 });
    await mounted(board);
    transport.manual = true;
    void board.refetch(); // started before the mutation: its answer may predate it
    await settle();
    transport.version = 2;
    await client.call('move_task', { board_id: 1 }, { affects: ['board'] });
    expect(board.getState().data).toMatchObject({ version: 2 });
    transport.version = 1; // what the old fetch saw
    transport.release();
    await settle();
    expect(board.getState()).toMatchObject({ data: { version: 2 }, isFetching: false });
    expect(transport.fetches).toHaveLength(2);
  });

  it('a merge and a refresh in one reply: the refreshed bundle is the last word', async () => {
    const { client, transport } = setup();
    await mounted(client.instance('board', { board_id: 1 }));
    transport.callResponse = {
      result: null,
      invalidate: [{ context: 'board', params: { board_id: 1 } }],
      merge: [{ context: 'board', slot: 'title', mode: 'replace', params: { board_id: 1 }, value: 'merged' }],
      refreshed: { 'board;board_id=1': { title: 'refreshed' } },
    };
    await client.call('retitle', { board_id: 1 }, { affects: ['board'] });
    expect(client.instance('board', { board_id: 1 }).getState().data).toEqual({ title: 'refreshed' });
  });
});
