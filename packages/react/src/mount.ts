import type { ReactNode } from 'react';
import { createRoot, hydrateRoot, type Root } from 'react-dom/client';

/**
 * Starts a page in the browser. When the server rendered it (the container
 * has its HTML), hydrates it: the client was seeded from
 * `window.__MIZAN_SSR_DATA__` when it was created, so the instances the
 * server sent are fresh and none of them is requested. Otherwise (a page the
 * server left to the client, Vite's dev server) renders it.
 *
 * ```tsx
 * mount(document.getElementById('mizan-root'), <App {...pageProps()} />);
 * ```
 */
export function mount(container: Element | null, app: ReactNode): Root {
  if (!container) throw new Error('mount(): no container (the server renders into <div id="mizan-root">)');
  if (container.hasChildNodes()) return hydrateRoot(container, app);
  const root = createRoot(container);
  root.render(app);
  return root;
}
