// Invalidation throughput of the @mizan/base kernel: targets per second
// through `client.invalidate` (the per-microtask batcher), with every hit
// instance refetching through an in-memory transport, so that only the
// kernel is measured. Prints one JSON line per batch size.
//
//   node bench/kernel/invalidation.mjs [seconds per batch size]
import { MizanClient } from '../../packages/base/dist/index.js';

const seconds = Number(process.argv[2] ?? 2);
const CONTEXTS = 10;
const PER_CONTEXT = 100; // 1,000 watched instances

let fetches = 0;
const transport = {
  call: () => Promise.reject(new Error('not used')),
  fetchContext: (name, params) => {
    fetches += 1;
    return Promise.resolve({ [`${name}_data`]: { user_id: params.user_id } });
  },
};
const client = new MizanClient({ transport, csrf: false, retry: 0 });

const settle = () => new Promise((resolve) => setImmediate(resolve));

const stops = [];
for (let c = 0; c < CONTEXTS; c++) {
  for (let u = 0; u < PER_CONTEXT; u++) {
    stops.push(client.instance(`ctx_${c}`, { user_id: u }).subscribe(() => {}));
  }
}
await settle();

/** Scoped targets, each hitting exactly one instance, spread over all of them. */
function* targets() {
  for (let i = 0; ; i++) {
    yield { context: `ctx_${i % CONTEXTS}`, params: { user_id: Math.floor(i / CONTEXTS) % PER_CONTEXT } };
  }
}

for (const batch of [1, 10, 100]) {
  const source = targets();
  const round = () => client.invalidate(Array.from({ length: batch }, () => source.next().value));
  for (let i = 0; i < 200; i++) (round(), await settle()); // warm-up
  fetches = 0;
  let rounds = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++, rounds++) (round(), await settle());
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const sent = rounds * batch;
  console.log(
    JSON.stringify({
      batch,
      instances: CONTEXTS * PER_CONTEXT,
      targets: sent,
      refetches: fetches,
      seconds: elapsed,
      targets_per_s: sent / elapsed,
      refetches_per_s: fetches / elapsed,
      us_per_batch: (elapsed * 1e6) / rounds,
    }),
  );
  if (fetches !== sent) console.error(`warning: ${sent} targets caused ${fetches} refetches (expected one each)`);
}
for (const stop of stops) stop();
