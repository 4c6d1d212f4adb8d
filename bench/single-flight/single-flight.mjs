// Click to final UI for a scoped mutation, with every request held for the
// same fixed time (delay.mjs in front of each server): the taskboard's
// "move a card", whose function affects the board the page shows.
//
// - Mizan, single-flight: one request; the board comes back with the reply
//   (PROTOCOL.md §3.5).
// - Mizan, before single-flight (`refresh: false`, the kernel as it was): the
//   call, then the refetch its invalidation starts.
// - TanStack Query + tRPC: the same board and move as a tRPC v11 app, the
//   board a query, the move a mutation whose `onSuccess` awaits
//   `invalidateQueries` (the documented pattern): the call, then the refetch.
//
// Each client runs in this process exactly as in a page: Mizan's kernel (a
// context instance and a `Mutation`, what the generated React hooks wrap),
// TanStack's query-core (a `QueryObserver` and a `MutationObserver`, what
// `useQuery`/`useMutation` wrap). "Final UI" is the first store notification
// at which the board shows the card in its new column with no request in
// flight; the clock starts just before `mutate`. The variants' rounds are
// interleaved. Nothing here asserts a time.
//
//   node single-flight.mjs [--taskboard PATH] [--delay MS] [--rounds N] [--write]
//   (bench/run passes its own build; --write writes bench/RESULTS-single-flight.md)

import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MutationObserver, QueryClient, QueryObserver } from '@tanstack/query-core';
import { createTRPCClient, httpBatchLink } from '@trpc/client';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const DELAY_MS = Number(arg('--delay', 200));
const ROUNDS = Number(arg('--rounds', 30));
const TASKBOARD = arg('--taskboard', here('../../target/release/taskboard'));
const { MizanClient, Mutation } = await import(here('../../packages/base/dist/index.js'));

/** Starts `cmd` and resolves with its address once it printed `listening on ADDR`. */
async function start(cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const addr = await new Promise((done, fail) => {
    child.once('exit', (code) => fail(new Error(`${cmd} exited (${code}) before listening`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening on (\S+)$/.exec(line);
      if (m) done(m[1]);
    });
  });
  return { url: `http://${addr}`, stop: () => child.kill() };
}

/** `fetch` that counts the requests it makes. */
function counting() {
  const counter = { requests: 0 };
  counter.fetch = (input, init) => {
    counter.requests++;
    return fetch(input, init);
  };
  return counter;
}

/** Resolves with the time from `act()` to the first notification at which `done()` holds. */
function timeUntil(subscribe, done, act) {
  return new Promise((resolve, reject) => {
    let stops = [];
    const started = performance.now();
    const check = () => {
      if (!done()) return;
      const ms = performance.now() - started;
      for (const stop of stops) stop();
      stops = [];
      resolve(ms);
    };
    stops = subscribe(check);
    act().catch(reject);
  });
}

const columnOf = (tasks, id) => tasks?.find((t) => t.id === id)?.column;

/** Mizan's kernel on the taskboard server, with single-flight on or off. */
async function mizan(url, refresh, taskId) {
  const counter = counting();
  const client = new MizanClient({ baseUrl: `${url}/api/mizan`, fetch: counter.fetch, refresh });
  const board = client.instance('board', { board_id: 1 });
  const stopBoard = board.subscribe(() => undefined);
  const move = new Mutation(client, 'move_task', { affects: ['board'] }); // what the generated useMoveTask passes
  const shown = () => board.getState().data?.board_tasks;
  await waitFor(board.subscribe, () => shown() !== undefined);
  return {
    counter,
    column: () => columnOf(shown(), taskId),
    move: (column) =>
      timeUntil(
        (check) => [board.subscribe(check), move.subscribe(check)],
        () => columnOf(shown(), taskId) === column && !board.getState().isFetching && !move.getState().isPending,
        () => move.mutate({ board_id: 1, task_id: taskId, column }),
      ),
    close: stopBoard,
  };
}

/** TanStack Query (query-core) + tRPC's client on the tRPC peer, invalidating the board on success. */
async function tanstack(url, taskId) {
  const counter = counting();
  const trpc = createTRPCClient({ links: [httpBatchLink({ url, fetch: counter.fetch })] });
  const queryClient = new QueryClient();
  queryClient.mount();
  const key = ['board', { board_id: 1 }];
  const board = new QueryObserver(queryClient, { queryKey: key, queryFn: () => trpc.board.query({ board_id: 1 }) });
  const stopBoard = board.subscribe(() => undefined);
  const move = new MutationObserver(queryClient, {
    mutationFn: (args) => trpc.moveTask.mutate(args),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const shown = () => board.getCurrentResult().data?.board_tasks;
  await waitFor(board.subscribe.bind(board), () => shown() !== undefined);
  return {
    counter,
    column: () => columnOf(shown(), taskId),
    move: (column) =>
      timeUntil(
        (check) => [board.subscribe(check), move.subscribe(check)],
        () => columnOf(shown(), taskId) === column && !board.getCurrentResult().isFetching && !move.getCurrentResult().isPending,
        () => move.mutate({ board_id: 1, task_id: taskId, column }),
      ),
    close: () => {
      stopBoard();
      queryClient.unmount();
    },
  };
}

function waitFor(subscribe, done) {
  return new Promise((resolve) => {
    if (done()) return resolve();
    const stop = subscribe(() => {
      if (!done()) return;
      queueMicrotask(() => stop());
      resolve();
    });
  });
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);
const fmt = (ms) => `${ms.toFixed(0)} ms`;

const taskboard = await start(TASKBOARD, [], { MIZAN_DEMO_ADDR: '127.0.0.1:0', RUST_LOG: 'off' });
const trpcServer = await start('node', [here('trpc-server.mjs'), `${taskboard.url}/api/mizan/ctx/board/?board_id=1`], {
  NODE_ENV: 'production',
});
const slowMizan = await start('node', [here('delay.mjs'), taskboard.url, String(DELAY_MS)]);
const slowTrpc = await start('node', [here('delay.mjs'), trpcServer.url, String(DELAY_MS)]);

try {
  // Different cards, so that no variant's move is another's no-op; all have someone assigned.
  const variants = [
    { name: 'Mizan, single-flight', client: await mizan(slowMizan.url, true, 1) },
    { name: 'Mizan, before single-flight (`refresh: false`)', client: await mizan(slowMizan.url, false, 2) },
    { name: 'TanStack Query + tRPC, `invalidateQueries`', client: await tanstack(slowTrpc.url, 1) },
  ];
  const times = variants.map(() => []);
  const requests = variants.map(() => []);
  const columns = ['todo', 'review'];
  // One warm-up move each (session, connections, JIT), then the rounds, the order rotated per round.
  for (let round = -1; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + Math.max(round, 0)) % variants.length;
      const { client } = variants[i];
      const to = client.column() === columns[0] ? columns[1] : columns[0];
      const before = client.counter.requests;
      const ms = await client.move(to);
      if (round < 0) continue;
      times[i].push(ms);
      requests[i].push(client.counter.requests - before);
    }
  }
  for (const { client } of variants) client.close();

  const base = median(times[0]);
  const rows = variants.map(({ name }, i) => {
    const n = new Set(requests[i]);
    return `| ${(median(times[i]) / base).toFixed(2)}× | ${name} | ${[...n].join(', ')} | ${fmt(median(times[i]))} | ${fmt(quantile(times[i], 0.9))} | ${fmt(Math.min(...times[i]))} | ${fmt(Math.max(...times[i]))} |`;
  });
  const version = async (pkg) => JSON.parse(await readFile(here(`node_modules/${pkg}/package.json`), 'utf8')).version;
  const table = [
    `Every request held ${DELAY_MS} ms before it reaches its server (\`delay.mjs\`), ${ROUNDS} moves per variant after one warm-up, rounds interleaved.`,
    '',
    '| × single-flight (median) | client | requests per move | median | p90 | min | max |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `@mizan/base (this tree) on the taskboard server (\`${TASKBOARD.includes('/release/') ? 'release' : 'debug'}\` build); ` +
      `@tanstack/query-core ${await version('@tanstack/query-core')}, @trpc/client and @trpc/server ${await version('@trpc/client')} ` +
      `(standalone adapter, NODE_ENV=production, \`httpBatchLink\`); node ${process.version}; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB.`,
    '',
  ].join('\n');
  process.stdout.write(table);

  if (process.argv.includes('--write')) {
    const out = here('../RESULTS-single-flight.md');
    const BEGIN = '<!-- analysis:begin -->';
    const END = '<!-- analysis:end -->';
    let analysis = `${BEGIN}\n_No analysis written yet._\n${END}`;
    try {
      const old = await readFile(out, 'utf8');
      const a = old.indexOf(BEGIN);
      const b = old.indexOf(END);
      if (a >= 0 && b > a) analysis = old.slice(a, b + END.length);
    } catch {
      // first run
    }
    const doc = `# Single-flight: click to final UI

Written by \`npm run bench --prefix bench/single-flight\` (\`bench/single-flight/single-flight.mjs\`) ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.
A scoped mutation — the taskboard's \`move_task\`, which \`affects\` the board the
page shows — from the call to the moment the board shows the card in its new
column with nothing in flight, in three clients measured in the same run
against the same fixed delay. The clients run in node as they run in a page
(Mizan's kernel: a context instance and a \`Mutation\`; TanStack's query-core:
a \`QueryObserver\` and a \`MutationObserver\`, which the React hooks of each
wrap); the time is to the store notification React would render from.
Nothing here is a test and nothing asserts a time.

${table}
## Analysis

${analysis}
`;
    await writeFile(out, doc);
    process.stderr.write('wrote bench/RESULTS-single-flight.md\n');
  }
} finally {
  for (const s of [slowTrpc, slowMizan, trpcServer, taskboard]) s.stop();
}
