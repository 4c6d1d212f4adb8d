// Bundle size of the Mizan client next to TanStack Query, per framework,
// measured the same way in the same run: esbuild bundles each entry (the
// framework external, NODE_ENV=production, ES2022, minified), then gzip -9.
// Svelte components and rune modules (Mizan's and TanStack's alike) are
// compiled by the svelte compiler first, as a Svelte app's bundler does.
//
//   node client-size.mjs           prints the Markdown table (bench/run includes it)
//   node client-size.mjs --write   also writes bench/RESULTS-client-size.md

import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion, transform } from 'esbuild';
import { compile, compileModule, VERSION as svelteVersion } from 'svelte/compiler';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const require = createRequire(import.meta.url);
const versionOf = async (pkg) => JSON.parse(await readFile(require.resolve(`${pkg}/package.json`), 'utf8')).version;

/** Each framework: what Mizan's generated client imports and TanStack Query's minimal app import, then every export of each. */
const frameworks = [
  {
    name: 'React',
    mizan: ['@mizan/base', '@mizan/react'],
    tanstack: '@tanstack/react-query',
    minimal: {
      mizan: `export { ContextProvider, defineContext, MizanProvider, useContextState, useMember, useMizan, useMutation, useSuspenseContext } from '@mizan/react';`,
      live: `export { websocket } from '@mizan/base';`,
      tanstack: `export { QueryClient, QueryClientProvider, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';`,
    },
  },
  {
    name: 'Vue',
    mizan: ['@mizan/base', '@mizan/vue'],
    tanstack: '@tanstack/vue-query',
    minimal: {
      mizan: `export { ContextProvider, defineContext, MizanProvider, mizanProviderProps, useContextState, useMember, useMizan, useMutation, useSuspenseContext } from '@mizan/vue';`,
      live: `export { websocket } from '@mizan/base';`,
      tanstack: `export { QueryClient, VueQueryPlugin, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query';`,
    },
  },
  {
    name: 'Svelte',
    mizan: ['@mizan/base', '@mizan/svelte'],
    tanstack: '@tanstack/svelte-query',
    minimal: {
      mizan: `export { ContextProvider, defineContext, MizanProvider, useContextState, useMember, useMizan, useMutation } from '@mizan/svelte';`,
      live: `export { websocket } from '@mizan/base';`,
      tanstack: `export { QueryClient, QueryClientProvider, createMutation, createQuery, useQueryClient } from '@tanstack/svelte-query';`,
    },
  },
];

/** Compiles `.svelte` components and `.svelte.js`/`.svelte.ts` rune modules for the browser, production mode. */
const svelte = {
  name: 'svelte',
  setup(build) {
    const options = (path) => ({ filename: path, generate: 'client', dev: false });
    build.onLoad({ filter: /\.svelte$/ }, async ({ path }) => ({
      contents: compile(await readFile(path, 'utf8'), { ...options(path), css: 'external' }).js.code,
      loader: 'js',
      resolveDir: dirname(path),
    }));
    build.onLoad({ filter: /\.svelte\.(js|ts)$/ }, async ({ path }) => {
      let source = await readFile(path, 'utf8');
      if (path.endsWith('.ts')) source = (await transform(source, { loader: 'ts' })).code;
      return { contents: compileModule(source, options(path)).js.code, loader: 'js', resolveDir: dirname(path) };
    });
  },
};

async function measure(code) {
  const result = await build({
    stdin: { contents: code, resolveDir: here('.'), loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    conditions: ['svelte'],
    external: ['react', 'react-dom', 'react/jsx-runtime', 'vue', 'svelte', 'svelte/*'],
    define: { 'process.env.NODE_ENV': '"production"' },
    // The packages' sources: the same code as their built dist, no build step needed.
    alias: {
      '@mizan/base': here('../../packages/base/src/index.ts'),
      '@mizan/react': here('../../packages/react/src/index.ts'),
      '@mizan/svelte': here('../../packages/svelte/src/index.ts'),
      '@mizan/vue': here('../../packages/vue/src/index.ts'),
    },
    plugins: [svelte],
    logLevel: 'error',
  });
  const bytes = result.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
const ratio = (a, b) => `${(a.gzip / b.gzip).toFixed(2)}x`;

const rows = ['| framework | bundle | min | min + gzip | gzip vs Mizan |', '|---|---|---:|---:|---:|'];
const summary = [];
const versions = [`@mizan/* ${await versionOf('@mizan/base')}`];
/** The React row's gzip size: the budget of issue #14 is 6 KiB, devtools excluded. */
let budget = { with: 0, without: 0 };
const BUDGET = 6 * 1024;
for (const f of frameworks) {
  const mizanMin = await measure(f.minimal.mizan);
  const tanstackMin = await measure(f.minimal.tanstack);
  const mizanAll = await measure(f.mizan.map((p) => `export * from '${p}';`).join('\n'));
  const tanstackAll = await measure(`export * from '${f.tanstack}';`);
  const mizanLive = await measure(`${f.minimal.mizan}\n${f.minimal.live}`);
  const adapter = f.mizan[1];
  // Generated code exports a suspending hook per context; an app that calls none leaves it (and `ready`) out.
  const noSuspense = f.minimal.mizan.includes('useSuspenseContext')
    ? await measure(f.minimal.mizan.replace(', useSuspenseContext', ''))
    : undefined;
  if (f.name === 'React') budget = { with: mizanMin.gzip, without: noSuspense?.gzip ?? mizanMin.gzip };
  rows.push(
    `| ${f.name} | Mizan: what generated code imports (kernel + ${adapter}) | ${kib(mizanMin.min)} | ${kib(mizanMin.gzip)} | 1.00x |`,
    `| ${f.name} | Mizan, live: the same + \`websocket()\` (socket transport, channels) | ${kib(mizanLive.min)} | ${kib(mizanLive.gzip)} | ${ratio(mizanLive, mizanMin)} |`,
    ...(noSuspense
      ? [`| ${f.name} | Mizan: the same, no suspending hook used | ${kib(noSuspense.min)} | ${kib(noSuspense.gzip)} | ${ratio(noSuspense, mizanMin)} |`]
      : []),
    `| ${f.name} | TanStack Query: a minimal app import (${f.tanstack}) | ${kib(tanstackMin.min)} | ${kib(tanstackMin.gzip)} | ${ratio(tanstackMin, mizanMin)} |`,
    `| ${f.name} | Mizan: every export of both packages | ${kib(mizanAll.min)} | ${kib(mizanAll.gzip)} | 1.00x |`,
    `| ${f.name} | TanStack Query: every export | ${kib(tanstackAll.min)} | ${kib(tanstackAll.gzip)} | ${ratio(tanstackAll, mizanAll)} |`,
  );
  summary.push(
    `- ${f.name}: TanStack Query's minimal import is **${(tanstackMin.gzip / mizanMin.gzip).toFixed(1)}x** the Mizan client's ` +
      `(${kib(tanstackMin.gzip)} vs ${kib(mizanMin.gzip)} gzipped; every export: ${(tanstackAll.gzip / mizanAll.gzip).toFixed(1)}x).`,
  );
  versions.push(`${f.tanstack} ${await versionOf(f.tanstack)}`);
}

const table = [
  `- Target: the kernel + React adapter (what generated code imports, devtools excluded) under 6 KiB gzipped: ` +
    `**${budget.with < BUDGET ? 'met' : 'missed'}** (${kib(budget.with)}; ${kib(budget.without)} for an app that uses no suspending hook).`,
  '',
  ...rows,
  '',
  ...summary,
  '',
  `${versions.join(', ')}, esbuild ${esbuildVersion}, svelte ${svelteVersion} (compiler): one esbuild bundle per row ` +
    '(ESM, ES2022, minified, the framework external, NODE_ENV=production), gzip -9.',
  '',
].join('\n');

process.stdout.write(table);

if (process.argv.includes('--write')) {
  const doc = `# Client size: Mizan vs TanStack Query

Written by \`npm run bench -w bench/client-size\` (\`bench/client-size/client-size.mjs\`).
Both libraries are measured in the same run, the same way, for each framework.
The Mizan rows bundle what the generated client of that framework imports: the
kernel (\`@mizan/base\`: HTTP transport, context instances, invalidation, merge,
single-flight refresh, optimistic updates, the mutation queue, cancellation,
retries, session/CSRF, the event hook devtools read) and the framework's
adapter (suspending hooks included). The live WebSocket transport with
channels is a separate import (\`live: websocket()\`): the *live* rows add it.
\`@mizan/devtools\` is in no row: an app loads it only while developing.
The TanStack rows are the imports of a minimal app that fetches and mutates
with that framework's TanStack Query adapter; unlike Mizan, such an app still
writes its query keys, fetchers and invalidation by hand, and has no push
transport. The framework itself is external in every row.

${table}`;
  await writeFile(here('../RESULTS-client-size.md'), doc);
  process.stderr.write('wrote bench/RESULTS-client-size.md\n');
}
