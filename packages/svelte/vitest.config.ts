import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [svelte()],
  resolve: {
    // Test against the kernel's sources so no build is needed first; Svelte's browser build in jsdom,
    // but the Node build of `ws` (the tests' socket server and client), whose browser build is a stub.
    alias: {
      '@mizan/base': fileURLToPath(new URL('../base/src/index.ts', import.meta.url)),
      ws: fileURLToPath(new URL('../../node_modules/ws/wrapper.mjs', import.meta.url)),
    },
    conditions: ['browser'],
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
  },
});
