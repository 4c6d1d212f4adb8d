import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [svelte()],
  resolve: {
    // Test against the kernel's sources so no build is needed first; Svelte's browser build in jsdom.
    alias: { '@mizan/base': fileURLToPath(new URL('../base/src/index.ts', import.meta.url)) },
    conditions: ['browser'],
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
  },
});
