#!/usr/bin/env node
/**
 * The worker process the Rust server's pool runs (`node worker.js`): the
 * protocol of ../shared/spec/SSR.md on stdin and stdout, one JSON object
 * per line. Renders run concurrently and are answered by id, in the order
 * they complete.
 *
 * stdout is the protocol's: whatever the app prints with `console.log`
 * goes to stderr. The worker exits when its stdin ends (the server closed
 * it, or the server is gone), once the renders in flight are answered.
 * A worker stuck in a loop never reads its stdin again: a watchdog thread
 * kills it when its parent is gone, so it cannot outlive the server.
 */
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { type RenderParams, render } from './render.js';
import { RenderTimeout } from './timeout.js';

interface Request {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const protocol = process.stdout;
for (const method of ['log', 'info', 'debug'] as const) console[method] = console.error;

function send(message: Record<string, unknown>): void {
  protocol.write(`${JSON.stringify(message)}\n`);
}

// The server is gone: nobody reads the answers any more.
protocol.on('error', () => process.exit(0));

let inFlight = 0;
let ending = false;
const exitWhenIdle = () => {
  if (ending && inFlight === 0) process.exit(0);
};

function handle(line: string): void {
  let request: Request;
  try {
    request = JSON.parse(line) as Request;
  } catch {
    console.error('[mizan-ssr] a line that is not JSON:', line.slice(0, 200));
    return;
  }
  const { id, method } = request;
  if (typeof id !== 'number') return;
  if (method === 'ping') {
    send({ id, pong: true });
    return;
  }
  if (method !== 'render') {
    send({ id, error: `unknown method \`${String(method)}\`; expected render or ping` });
    return;
  }
  inFlight++;
  render((request.params ?? {}) as RenderParams, (chunk) => send({ id, chunk }))
    .then(
      (html) => send({ id, html }),
      (error: unknown) =>
        send({
          id,
          error: error instanceof Error ? error.message : String(error),
          ...(error instanceof RenderTimeout && { timedOut: true }),
        }),
    )
    .finally(() => {
      inFlight--;
      exitWhenIdle();
    });
}

// Reparented: the server died while this thread may be busy for good.
const watchdog = `setInterval(() => { if (process.ppid !== ${process.ppid}) process.kill(process.pid, 'SIGKILL'); }, 1000);`;
new Worker(watchdog, { eval: true }).unref();

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', handle);
lines.on('close', () => {
  ending = true;
  exitWhenIdle();
});
send({ id: 0, ready: true });
