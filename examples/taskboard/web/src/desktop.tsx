/**
 * The same UI in a Tauri window (examples/taskboard-desktop): the same
 * generated client and components, on the Tauri transport. The functions run
 * in the app's process; there is no HTTP server. The devtools overlay shows
 * what each IPC message did, as it does for the web page's requests.
 */
import type { MizanConfig } from '@mizan/base';
import { tauriTransport } from '@mizan/tauri';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

const config: MizanConfig = { transport: tauriTransport() };

const root = document.getElementById('root');
if (!root) throw new Error('desktop.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App config={config} />
  </StrictMode>,
);
