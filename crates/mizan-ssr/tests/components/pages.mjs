// Components for the pool's and the pages' tests, rendered by real Node
// workers. Plain ESM (no build step): `h` is React's createElement.
import { websocket } from '@mizan/base';
import { ContextProvider, defineContext, MizanProvider, useContextState, useMember } from '@mizan/react';
import { createElement as h, Fragment, use } from 'react';

/** Its props, as text. */
export function Echo({ text }) {
  return h('p', null, text);
}

const board = defineContext('board', 'BoardContext');
const global = defineContext('global', 'GlobalContext');

function Tasks() {
  const tasks = useMember(board, 'board_tasks');
  const { status } = useContextState(board);
  return h('ul', { 'data-status': status }, tasks ? tasks.map((t) => h('li', { key: t.id }, t.title)) : h('li', null, 'Loading…'));
}

function Me() {
  const me = useMember(global, 'whoami');
  return h('header', null, me ? `Signed in as ${me}` : '…');
}

/** A page as an app writes it: its own provider and config, contexts read through hooks. */
export function Board({ params, url }) {
  return h(
    MizanProvider,
    { config: { baseUrl: '/api/mizan', live: websocket() } },
    h(ContextProvider, { def: global, params: {} }, h(Me)),
    h(ContextProvider, { def: board, params: { board_id: Number(params.board_id) } }, h(Tasks)),
    h('footer', null, url),
  );
}

/** A page's props, as JSON text. */
export function Props(props) {
  return h('pre', null, JSON.stringify(props));
}

/** The app's error page. */
export function ErrorPage({ error }) {
  return h(Fragment, null, h('h1', null, `${error.status} ${error.code}`), h('p', { className: 'message' }, error.message));
}

const groups = new Map();

/** Resolves once `n` renders with distinct ids of `group` arrived: they are all in flight at once. */
function barrier(group, id, n) {
  let g = groups.get(group);
  if (!g) {
    let open;
    g = { ids: new Set(), promise: new Promise((resolve) => (open = resolve)) };
    g.open = open;
    groups.set(group, g);
  }
  if (!g.ids.has(id)) {
    g.ids.add(id);
    if (g.ids.size >= n) g.open();
  }
  return g.promise;
}

/** Completes only when `n` renders of its `group` are in flight together on this worker. */
export function Barrier({ group, id, n }) {
  use(barrier(group, id, n));
  return h('p', null, `render ${id} of ${n}`);
}

/** Waits forever (the shell is never ready): the worker is free meanwhile. */
export function Never() {
  use(new Promise(() => undefined));
  return null;
}

/** Never yields: the worker is wedged. */
export function Spin() {
  for (;;) {
    // busy
  }
}

/** Throws while rendering. */
export function Throws() {
  throw new Error('the component broke');
}
