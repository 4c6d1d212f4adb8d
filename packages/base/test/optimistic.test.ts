/**
 * Optimistic updates and the mutation queue: a change shown at once, taken
 * back on error, replaced by the server's data on success; concurrent
 * changes of one slot compose and roll back in order; a second call while
 * one is pending is queued, never dropped.
 */
import { describe, expect, it } from 'vitest';
import { type ContextInstance, MizanClient, MizanError, Mutation } from '../src/index.js';
import { type Call, MemoryTransport, settle } from './support/memory.js';

interface Card {
  id: number;
  column: string;
}
interface Board {
  board_tasks: Card[];
}
type Move = { board_id: number; task_id: number; column: string };

const seed: Card[] = [
  { id: 1, column: 'todo' },
  { id: 2, column: 'todo' },
];

/** A server holding board 1's cards: `move_task` moves one (or fails for column `nowhere`), refreshing what it is asked for. */
function setup() {
  const transport = new MemoryTransport();
  let cards = seed.map((c) => ({ ...c }));
  transport.bundle = () => ({ board_tasks: cards.map((c) => ({ ...c })) });
  transport.callResponse = (call: Call) => {
    const { task_id, column } = call.args as Move;
    if (column === 'nowhere') throw new MizanError(422, 'VALIDATION_ERROR', 'No such column');
    cards = cards.map((c) => (c.id === task_id ? { ...c, column } : c));
    const refreshed = call.refresh?.length ? { refreshed: { 'board;board_id=1': transport.bundle('board', {}) } } : {};
    return { result: { id: task_id, column }, invalidate: [{ context: 'board', params: { board_id: 1 } }], ...refreshed };
  };
  transport.manualCalls = true;
  const client = new MizanClient({ transport, csrf: false });
  const board = client.instance<Board>('board', { board_id: 1 });
  const move = new Mutation<Move, Card, Board>(client, 'move_task', {
    affects: ['board'],
    optimistic: {
      board_tasks: (tasks, args) => tasks.map((t) => (t.id === args.task_id ? { ...t, column: args.column } : t)),
    },
  });
  return { transport, client, board, move };
}

const columns = (board: ContextInstance<Board>) => board.getState().data?.board_tasks.map((t) => `${t.id}:${t.column}`);

async function shown(board: ContextInstance<Board>) {
  board.subscribe(() => undefined);
  await settle();
}

describe('optimistic updates', () => {
  it('show at once, before the call is answered; the refreshed bundle replaces them in the same step', async () => {
    const { transport, board, move } = setup();
    await shown(board);
    const seen: Array<string[] | undefined> = [];
    board.subscribe(() => seen.push(columns(board)));
    const done = move.mutate({ board_id: 1, task_id: 1, column: 'done' });
    expect(columns(board)).toEqual(['1:done', '2:todo']);
    expect(move.getState()).toMatchObject({ isPending: true, variables: { task_id: 1 } });
    await settle();
    expect(transport.calls).toHaveLength(1);
    transport.answer();
    await done;
    expect(columns(board)).toEqual(['1:done', '2:todo']);
    await settle();
    // Never back to `todo` in between; no refetch.
    expect(seen.every((s) => s?.[0] === '1:done')).toBe(true);
    expect(transport.fetches).toHaveLength(1);
    expect(move.getState()).toMatchObject({ isPending: false, error: null, data: { id: 1, column: 'done' } });
  });

  it('are taken back when the call fails, and the error is the state', async () => {
    const { transport, board, move } = setup();
    await shown(board);
    const failed = move.mutate({ board_id: 1, task_id: 2, column: 'nowhere' }).catch((e: unknown) => e);
    expect(columns(board)).toEqual(['1:todo', '2:nowhere']);
    await settle();
    transport.answer();
    expect(await failed).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(columns(board)).toEqual(['1:todo', '2:todo']);
    expect(move.getState()).toMatchObject({ isPending: false, error: { code: 'VALIDATION_ERROR' }, variables: { task_id: 2 } });
  });

  it('without a refresh, stay until the refetch the invalidation starts has landed', async () => {
    const { transport, client, board, move } = setup();
    client.configure({ refresh: false });
    await shown(board);
    transport.manual = true;
    const seen: Array<string[] | undefined> = [];
    board.subscribe(() => seen.push(columns(board)));
    const done = move.mutate({ board_id: 1, task_id: 1, column: 'doing' });
    await settle();
    transport.answer();
    await done;
    await settle();
    expect(transport.inFlight).toBe(1); // the refetch
    expect(columns(board)).toEqual(['1:doing', '2:todo']);
    transport.release();
    await settle();
    expect(columns(board)).toEqual(['1:doing', '2:todo']);
    expect(seen.every((s) => s?.[0] === '1:doing')).toBe(true);
    // The layer is gone: the server's data alone says `doing`.
    client.applyMerge([{ context: 'board', slot: 'board_tasks', mode: 'replace', value: seed }]);
    expect(columns(board)).toEqual(['1:todo', '2:todo']);
  });

  it('a merge in the reply replaces them too', async () => {
    const { transport, client, board } = setup();
    await shown(board);
    transport.callResponse = () => ({
      result: null,
      invalidate: [],
      merge: [{ context: 'board', slot: 'board_tasks', mode: 'upsert', key: 'id', params: { board_id: 1 }, value: { id: 2, column: 'review' } }],
    });
    const call = client.call<unknown, Move, Board>(
      'rename_task',
      { board_id: 1, task_id: 2, column: 'guess' },
      { optimistic: { board_tasks: (tasks, a) => tasks.map((t) => (t.id === a.task_id ? { ...t, column: a.column } : t)) } },
    );
    expect(columns(board)).toEqual(['1:todo', '2:guess']);
    await settle();
    transport.answer();
    await call;
    expect(columns(board)).toEqual(['1:todo', '2:review']);
    await settle();
    expect(transport.fetches).toHaveLength(1);
  });

  it('apply only to shown instances the arguments may scope', async () => {
    const { transport, client, move } = setup();
    transport.bundle = () => ({ board_tasks: seed });
    const other = client.instance<Board>('board', { board_id: 2 });
    const compact = client.instance<Board>('board', { board_id: 1, view: 'compact' });
    const hidden = client.instance<Board>('board', { board_id: 1, view: 'hidden' });
    await shown(other);
    await shown(compact);
    hidden.subscribe(() => undefined)();
    await settle();
    void move.mutate({ board_id: 1, task_id: 1, column: 'done' });
    expect(columns(other)).toEqual(['1:todo', '2:todo']);
    expect(columns(compact)).toEqual(['1:done', '2:todo']);
    expect(columns(hidden)).toEqual(['1:todo', '2:todo']);
  });

  it('compose when concurrent, and a failed one in the middle rolls back alone, in order', async () => {
    const { transport, board, move } = setup();
    await shown(board);
    const first = move.mutate({ board_id: 1, task_id: 1, column: 'doing' });
    const second = move.mutate({ board_id: 1, task_id: 2, column: 'nowhere' }).catch((e: unknown) => e);
    const third = move.mutate({ board_id: 1, task_id: 1, column: 'done' });
    // Stacked in the order they were made: the last move of card 1 shows.
    expect(columns(board)).toEqual(['1:done', '2:nowhere']);
    await settle();
    // Queued: one call on the wire at a time, in order.
    expect(transport.calls.map((c) => c.args['column'])).toEqual(['doing']);
    transport.answer();
    await first;
    // The server's board (card 1 doing) under the two changes still pending.
    expect(columns(board)).toEqual(['1:done', '2:nowhere']);
    await settle();
    expect(transport.calls.map((c) => c.args['column'])).toEqual(['doing', 'nowhere']);
    transport.answer();
    expect(await second).toMatchObject({ code: 'VALIDATION_ERROR' });
    // Card 2's change is taken back; card 1's later move still shows.
    expect(columns(board)).toEqual(['1:done', '2:todo']);
    expect(move.getState()).toMatchObject({ isPending: true, error: { code: 'VALIDATION_ERROR' } });
    await settle();
    transport.answer();
    await third;
    expect(columns(board)).toEqual(['1:done', '2:todo']);
    expect(move.getState()).toMatchObject({ isPending: false, error: null, data: { id: 1, column: 'done' } });
    expect(transport.calls.map((c) => c.args['column'])).toEqual(['doing', 'nowhere', 'done']);
    await settle();
    expect(transport.fetches).toHaveLength(1);
  });

  it('rebase: a push that refetches the board keeps the pending change on top of the new data', async () => {
    const { transport, client, board, move } = setup();
    await shown(board);
    void move.mutate({ board_id: 1, task_id: 1, column: 'done' });
    transport.bundle = () => ({ board_tasks: [...seed, { id: 3, column: 'todo' }] }); // someone added a card
    transport.push({ invalidate: [{ context: 'board', params: { board_id: 1 } }] });
    await settle();
    expect(columns(board)).toEqual(['1:done', '2:todo', '3:todo']);
    client.configure({}); // nothing changes
  });
});

describe('the mutation queue', () => {
  it('reset() forgets pending calls: they settle without touching the state', async () => {
    const { transport, board, move } = setup();
    await shown(board);
    const pending = move.mutate({ board_id: 1, task_id: 1, column: 'done' });
    move.reset();
    expect(move.getState()).toEqual({ data: undefined, error: null, variables: undefined, isPending: false });
    await settle();
    transport.answer();
    await pending;
    expect(move.getState().isPending).toBe(false);
    expect(move.getState().data).toBeUndefined();
  });

  it('a throwing subscriber of a mutation does not keep the others from hearing', async () => {
    const { transport, board, move } = setup();
    await shown(board);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      move.subscribe(() => {
        throw new Error('broken listener');
      });
      const heard: boolean[] = [];
      move.subscribe(() => heard.push(move.getState().isPending));
      const done = move.mutate({ board_id: 1, task_id: 1, column: 'done' });
      await settle();
      transport.answer();
      await done;
      await settle();
      expect(heard).toEqual([true, false]);
      expect(errors.map(String)).toEqual(['Error: broken listener', 'Error: broken listener']);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
