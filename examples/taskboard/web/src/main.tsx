import { pageProps } from '@mizan/base';
import { mount } from '@mizan/react';
import { StrictMode } from 'react';
import { App, type PageProps } from './App';
import './styles.css';

// A page the server rendered (`/board/1`) is hydrated with the props it was
// rendered with, and its client starts from the data the page carries: no
// request for it. `/` is left to the client, and renders here.
mount(
  document.getElementById('mizan-root'),
  <StrictMode>
    <App {...pageProps<PageProps>()} />
  </StrictMode>,
);
