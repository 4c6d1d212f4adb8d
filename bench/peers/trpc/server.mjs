// tRPC v11, standalone adapter: the same `echo` and the ten members of a page
// that the Mizan bench server declares. `node server.mjs PORT`.
import { initTRPC } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { z } from 'zod';

const t = initTRPC.create();

const parts = Object.fromEntries(
  Array.from({ length: 10 }, (_, part) => [
    `part_${part}`,
    t.procedure.input(z.object({ id: z.number().int() })).query(({ input }) => ({ id: input.id, part })),
  ]),
);

const appRouter = t.router({
  echo: t.procedure
    .input(z.object({ text: z.string() }))
    .mutation(({ input }) => ({ message: `echo: ${input.text}` })),
  ...parts,
});

const port = Number(process.argv[2] ?? 3000);
createHTTPServer({ router: appRouter }).listen(port, '127.0.0.1');
console.log(`trpc on 127.0.0.1:${port}`);
