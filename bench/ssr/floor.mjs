// The floor of the SSR benchmark (`bench/run`): a bare Node `http` server,
// in one process, rendering the taskboard's board page — the same server
// bundle, the same component, the same data — with nothing else: no Rust
// server, no context fetch, no worker protocol. What a request costs here
// is what rendering the page costs; what Mizan adds is the difference.
//
//   node bench/ssr/floor.mjs --port 9000 --page http://127.0.0.1:8766/board/1 --bundle examples/taskboard/web/dist-server/entry-server.js
//
// It takes the page from the Mizan server once, at start: the document
// around the root element and the hydration data. Every request then
// renders the component again (React's streaming renderer, through
// @mizan/ssr's `render`, as the workers do) and writes the same document.

import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { render } from '@mizan/ssr';

const { values } = parseArgs({
  options: { port: { type: 'string' }, page: { type: 'string' }, bundle: { type: 'string' } },
});
if (!values.port || !values.page || !values.bundle) {
  console.error('usage: floor.mjs --port PORT --page URL --bundle FILE');
  process.exit(2);
}

const ROOT = '<div id="mizan-root">';
const DATA = '</div><script>window.__MIZAN_SSR_DATA__=';
const page = await (await fetch(values.page)).text();
const open = page.slice(0, page.indexOf(ROOT) + ROOT.length);
const close = page.slice(page.indexOf(DATA));
const script = close.slice(DATA.length, close.indexOf('</script>'));
// The escaped data is the same JSON value.
const { contexts, props } = JSON.parse(script);
if (!open || !contexts) throw new Error(`${values.page} is not a server-rendered page`);
const params = { file: resolve(values.bundle), export: 'Page', props, contexts };

createServer(async (_req, res) => {
  try {
    let html = '';
    const rest = await render(params, (piece) => {
      html += piece;
    });
    html += rest;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(open + html + close);
  } catch (error) {
    console.error(error);
    res.writeHead(500).end();
  }
}).listen(Number(values.port), '127.0.0.1');
