// Bundle size of the Mizan client next to TanStack Query, measured the same
// way in the same run: esbuild bundles each entry (React external,
// NODE_ENV=production, ES2022, minified), then gzip -9.
//
//   node client-size.mjs           prints the Markdown table (bench/run includes it)
//   node client-size.mjs --write   also writes bench/RESULTS-client-size.md

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const require = createRequire(import.meta.url);

const entries = [
  {
    name: 'Mizan: what generated code imports',
    lib: 'mizan',
    code: `export { getClient } from '@mizan/base';
export { ContextProvider, defineContext, MizanProvider, useContextState, useMember, useMutation } from '@mizan/react';`,
  },
  {
    name: 'TanStack Query: a minimal app import',
    lib: 'tanstack',
    code: `export { QueryClient, QueryClientProvider, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';`,
  },
  {
    name: 'Mizan: every export of both packages',
    lib: 'mizan',
    code: `export * from '@mizan/base';\nexport * from '@mizan/react';`,
  },
  {
    name: 'TanStack Query: every export',
    lib: 'tanstack',
    code: `export * from '@tanstack/react-query';`,
  },
];

async function measure(entry) {
  const result = await build({
    stdin: { contents: entry.code, resolveDir: here('.'), loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    define: { 'process.env.NODE_ENV': '"production"' },
    // The packages' sources: the same code as their tsc-built dist, no build step needed.
    alias: {
      '@mizan/base': here('../../packages/base/src/index.ts'),
      '@mizan/react': here('../../packages/react/src/index.ts'),
    },
    logLevel: 'error',
  });
  const bytes = result.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
const tanstackVersion = JSON.parse(readFileSync(require.resolve('@tanstack/react-query/package.json'), 'utf8')).version;
const mizanVersion = JSON.parse(readFileSync(here('../../packages/base/package.json'), 'utf8')).version;

const rows = [];
for (const entry of entries) rows.push({ ...entry, ...(await measure(entry)) });
const [mizanMin, tanstackMin, mizanAll, tanstackAll] = rows;

const table = [
  '| bundle | min | min + gzip | gzip vs Mizan |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => {
    const base = r === mizanMin || r === tanstackMin ? mizanMin : mizanAll;
    return `| ${r.name} | ${kib(r.min)} | ${kib(r.gzip)} | ${(r.gzip / base.gzip).toFixed(2)}x |`;
  }),
  '',
  `TanStack Query's minimal import is **${(tanstackMin.gzip / mizanMin.gzip).toFixed(1)}x** the Mizan client's ` +
    `(${kib(tanstackMin.gzip)} vs ${kib(mizanMin.gzip)} gzipped; every export: ` +
    `${(tanstackAll.gzip / mizanAll.gzip).toFixed(1)}x).`,
  '',
  `@mizan/base + @mizan/react ${mizanVersion}, @tanstack/react-query ${tanstackVersion}, esbuild ${esbuildVersion}: ` +
    'one esbuild bundle per row (ESM, ES2022, minified, React external, NODE_ENV=production), gzip -9.',
  '',
].join('\n');

process.stdout.write(table);

if (process.argv.includes('--write')) {
  const doc = `# Client size: Mizan vs TanStack Query

Written by \`npm run bench -w bench/client-size\` (\`bench/client-size/client-size.mjs\`).
Both libraries are measured in the same run, the same way. The Mizan rows bundle
what the generated React client imports: the kernel (\`@mizan/base\`: HTTP
transport, context instances, invalidation, merge, retries, session/CSRF) and
the React adapter (\`@mizan/react\`). The TanStack rows are the imports of a
minimal app that fetches and mutates; unlike Mizan, such an app still writes
its query keys, fetchers and invalidation by hand.

${table}`;
  writeFileSync(here('../RESULTS-client-size.md'), doc);
  process.stderr.write('wrote bench/RESULTS-client-size.md\n');
}
