/**
 * The server bundle (`vite build --ssr`, into `dist-server/`): what the
 * Rust server's render workers import. `Page` is the taskboard's page as
 * the server renders it, with the props it gives (`params` of
 * `/board/{board_id}`); the worker provides a client seeded with the
 * contexts the server fetched, which the app's own provider inherits.
 */
import { StrictMode } from 'react';
import { App, type PageProps } from './App';

export function Page(props: PageProps) {
  return (
    <StrictMode>
      <App {...props} />
    </StrictMode>
  );
}
