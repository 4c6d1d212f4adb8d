import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Three pages, one per framework, on the one generated client of src/mizan/:
// /react/, /vue/ and /svelte/ (the browser suite runs the same scenarios on each),
// and /webview-host/, a host page serving one of them inside an iframe.
export default defineConfig({
  plugins: [react(), vue(), svelte()],
  resolve: {
    // The workspace's kernel and adapters from their sources: no package
    // build needed before this one, and one copy of each in the bundle.
    alias: {
      '@mizan/base': source('../../../packages/base/src/index.ts'),
      '@mizan/react': source('../../../packages/react/src/index.ts'),
      '@mizan/svelte': source('../../../packages/svelte/src/index.ts'),
      '@mizan/vue': source('../../../packages/vue/src/index.ts'),
      '@mizan/webview': source('../../../packages/webview/src/index.ts'),
    },
  },
  build: {
    rollupOptions: {
      input: {
        index: source('index.html'),
        react: source('react/index.html'),
        vue: source('vue/index.html'),
        svelte: source('svelte/index.html'),
        'webview-host': source('webview-host/index.html'),
      },
    },
  },
  server: {
    // `npm run dev` next to `cargo run -p afi-fixture`: the API comes from the Rust server.
    proxy: { '/api/mizan': process.env['MIZAN_FIXTURE_API'] ?? 'http://127.0.0.1:8765' },
  },
});
