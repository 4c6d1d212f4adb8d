/**
 * Cancellation, suspending reads and the event log: an instance nobody shows
 * any more aborts its fetch through the transport; `ready()` waits for data;
 * `client.on` hears what the client does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ContextInstance, MizanClient, MizanError, type MizanEvent, ready } from '../src/index.js';
import { memoryClient, settle } from './support/memory.js';
import { sendJson, startServer, type TestServer } from './support/server.js';

const setup = memoryClient;

describe('cancellation', () => {
  it('an instance dropped while its fetch is in flight aborts it; its next subscriber fetches anew', async () => {
    const { client, transport } = setup();
    transport.manual = true;
    const board = client.instance('board', { board_id: 1 });
    const stop = board.subscribe(() => undefined);
    expect(board.getState()).toMatchObject({ status: 'loading', isFetching: true });
    stop();
    await settle();
    expect(transport.signals[0]?.aborted).toBe(true);
    // Back to what it was, not an error.
    expect(board.getState()).toMatchObject({ status: 'idle', isFetching: false, error: null, data: undefined });
    transport.release();
    transport.manual = false;
    await settle();
    expect(board.getState().status).toBe('idle');
    board.subscribe(() => undefined);
    await settle();
    expect(board.getState()).toMatchObject({ status: 'success', data: { version: 1 } });
    expect(transport.fetches).toHaveLength(2);
  });

  it('a remount in the same tick (a component replaced, React StrictMode) keeps the fetch', async () => {
    const { client, transport } = setup();
    transport.manual = true;
    const board = client.instance('board', { board_id: 1 });
    board.subscribe(() => undefined)();
    board.subscribe(() => undefined);
    await settle();
    expect(transport.signals[0]?.aborted).toBe(false);
    transport.release();
    await settle();
    expect(board.getState().status).toBe('success');
    expect(transport.fetches).toHaveLength(1);
  });

  it('a request shared with a caller that cannot abort is not aborted', async () => {
    const { client, transport } = setup();
    transport.manual = true;
    const board = client.instance('board', { board_id: 1 });
    const stop = board.subscribe(() => undefined);
    const direct = client.fetchContext('board', { board_id: 1 });
    stop();
    await settle();
    expect(transport.signals[0]?.aborted).toBe(false);
    transport.release();
    expect(await direct).toMatchObject({ version: 1 });
    expect(board.getState().status).toBe('idle'); // its own wait was cancelled all the same
  });

  describe('through HTTP', () => {
    let server: TestServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('the abort reaches the server: the request is closed before its answer', async () => {
      let answer: (() => void) | undefined;
      let closed = false;
      server = await startServer((_req, res) => {
        res.on('close', () => (closed = true));
        answer = () => sendJson(res, 200, { ok: true });
      });
      const client = new MizanClient({ baseUrl: server.baseUrl });
      const board = client.instance('board', { board_id: 1 });
      const stop = board.subscribe(() => undefined);
      await until(() => answer !== undefined);
      stop();
      await until(() => closed);
      expect(board.getState()).toMatchObject({ status: 'idle', error: null });
    });
  });
});

describe('ready (suspending reads)', () => {
  it('fetches without a subscriber, resolves with the data, and is the same promise until then', async () => {
    const { client, transport } = setup();
    transport.manual = true;
    const board = client.instance('board', { board_id: 1 });
    const first = ready(board);
    expect(ready(board)).toBe(first);
    await settle();
    transport.release();
    expect(await first).toMatchObject({ version: 1 });
    expect(transport.fetches).toHaveLength(1);
    // Data there: no request.
    expect(await ready(board)).toMatchObject({ version: 1 });
    expect(transport.fetches).toHaveLength(1);
  });

  it('rejects with the error when the first fetch fails', async () => {
    const { client, transport } = setup();
    client.configure({ retry: 0 });
    transport.bundle = () => {
      throw new MizanError(404, 'NOT_FOUND', 'There is no board 9.');
    };
    const board: ContextInstance<unknown> = client.instance('board', { board_id: 9 });
    await expect(ready(board)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('events (client.on)', () => {
  it('tell a call, its refresh and invalidation with the function that caused them, and each fetch', async () => {
    const { client, transport } = setup();
    const events: MizanEvent[] = [];
    client.on((e) => events.push(e));
    client.instance('board', { board_id: 1 }).subscribe(() => undefined);
    client.instance('board', { board_id: 2 }).subscribe(() => undefined);
    await settle();
    transport.callResponse = {
      result: 'ok',
      invalidate: ['board'],
      refreshed: { 'board;board_id=1': { v: 2 } },
    };
    await client.call('move_task', { board_id: 1 }, { affects: ['board'] });
    transport.push({ merge: [{ context: 'board', slot: 'v', mode: 'replace', value: 3 }] });
    await settle();
    expect(events.map((e) => [e.type, 'key' in e ? e.key : 'fn' in e ? e.fn : 'cause' in e ? e.cause : ''])).toEqual([
      ['instance', 'board;board_id=1'],
      ['fetch', 'board;board_id=1'],
      ['instance', 'board;board_id=2'],
      ['fetch', 'board;board_id=2'],
      ['call', 'move_task'],
      ['settled', 'move_task'],
      ['refresh', 'board;board_id=1'],
      ['invalidate', 'move_task'],
      ['fetch', 'board;board_id=2'],
      ['push', ''],
      ['merge', 'push'],
    ]);
    expect(events[4]).toEqual({ type: 'call', fn: 'move_task', args: { board_id: 1 }, refresh: ['board;board_id=1'] });
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}
