import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // Svelte components of the tests compiled for the server, as an app's server bundle has them.
  plugins: [svelte()],
  resolve: {
    // The kernel's and the adapters' sources: no build needed first, and one copy of each.
    alias: {
      '@mizan/base': source('../base/src/index.ts'),
      '@mizan/react': source('../react/src/index.ts'),
      '@mizan/svelte': source('../svelte/src/index.ts'),
      '@mizan/vue': source('../vue/src/index.ts'),
    },
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
