// The taskboard's board and its move as a tRPC v11 app on the standalone
// adapter: the peer of bench/single-flight. Seeded with the Mizan server's
// own board, so both answer the same data. `node trpc-server.mjs SEED_URL`;
// prints `listening on ADDR`.
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { z } from 'zod';

const seed = await (await fetch(process.argv[2])).json();
const boards = new Map([[1, seed]]);

const t = initTRPC.create();
const board = (id) => {
  const found = boards.get(id);
  if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no board ${id}.` });
  return found;
};

const appRouter = t.router({
  board: t.procedure.input(z.object({ board_id: z.number().int() })).query(({ input }) => board(input.board_id)),
  moveTask: t.procedure
    .input(z.object({ board_id: z.number().int(), task_id: z.number().int(), column: z.string() }))
    .mutation(({ input }) => {
      const b = board(input.board_id);
      if (!b.board_columns.some((c) => c.id === input.column)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'No such column' });
      const card = b.board_tasks.find((c) => c.id === input.task_id);
      if (!card) throw new TRPCError({ code: 'NOT_FOUND', message: `There is no task ${input.task_id}.` });
      card.column = input.column;
      return card;
    }),
});

const server = createHTTPServer({ router: appRouter });
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on 127.0.0.1:${port}`);
});
