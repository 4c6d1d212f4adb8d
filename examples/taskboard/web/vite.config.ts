import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// `--mode desktop` builds the same UI for the Tauri window of
// examples/taskboard-desktop (desktop.html, on the Tauri transport) into dist-desktop/.
export default defineConfig(({ mode }) => ({
  plugins: [react()],
  // The server links the client bundle from the manifest (dist/.vite/manifest.json).
  build: { manifest: true },
  resolve: {
    // The workspace's kernel, React adapter and devtools from their sources:
    // no package build needed before this one, and one copy of each in the bundle.
    alias: {
      '@mizan/base': source('../../../packages/base/src/index.ts'),
      '@mizan/devtools': source('../../../packages/devtools/src/index.ts'),
      '@mizan/react': source('../../../packages/react/src/index.ts'),
      '@mizan/tauri': source('../../../packages/tauri/src/index.ts'),
    },
  },
  ...(mode === 'desktop' && {
    build: { outDir: 'dist-desktop', rollupOptions: { input: source('desktop.html') } },
  }),
  server: {
    // `npm run dev` next to `cargo run -p taskboard`: the API comes from the Rust server.
    proxy: { '/api/mizan': process.env['MIZAN_DEMO_API'] ?? 'http://127.0.0.1:8766' },
  },
}));
