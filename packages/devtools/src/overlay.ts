/**
 * The overlay: a panel docked at the bottom of the page, in its own shadow
 * root (the page's styles do not reach it, its styles do not leak), with
 * every context instance of the client on the left and the log on the
 * right. Plain DOM, so that it works beside React, Vue and Svelte alike.
 *
 * It watches without subscribing: a subscriber would count as a component
 * showing the instance (which would then refetch, be refreshed and never be
 * collected). It re-reads the instances on every event and every 250 ms
 * while open.
 */
import type { ContextInstance, MizanClient } from '@mizan/base';
import { type Entry, Recorder } from './log.js';
import { STYLE } from './style.js';

export interface DevtoolsOptions {
  /** Where the overlay goes. Default `document.body`. */
  parent?: HTMLElement;
  /**
   * Fill `parent` (a slot the page's layout keeps for it) instead of floating
   * over the bottom of the page. Default `false`.
   */
  inline?: boolean;
  /** Open at first; else only its bar shows. Default `true`. */
  open?: boolean;
  /** Lines the log keeps. Default 200. */
  limit?: number;
}

/**
 * Shows `client`'s instances and log in an overlay until the returned
 * function is called. Import it only where you want it (in development, or
 * behind a flag): it is not part of the kernel's bundle.
 *
 * ```ts
 * import { mountDevtools } from '@mizan/devtools';
 * const unmount = mountDevtools(client);
 * ```
 */
export function mountDevtools(client: MizanClient, options: DevtoolsOptions = {}): () => void {
  const host = document.createElement('div');
  host.id = 'mizan-devtools';
  host.dataset['testid'] = 'mizan-devtools';
  const root = host.attachShadow({ mode: 'open' });
  const view = new View(root, client, options.open ?? true, options.inline ?? false);
  const recorder = new Recorder(client, () => view.schedule(), options.limit);
  view.recorder = recorder;
  (options.parent ?? document.body).append(host);
  view.render();
  const timer = setInterval(() => view.open && view.render(), 250);
  return () => {
    clearInterval(timer);
    recorder.close();
    host.remove();
  };
}

class View {
  open: boolean;
  recorder: Recorder | undefined;
  private readonly client: MizanClient;
  private readonly bar: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly body: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly log: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  /** The instances whose data is unfolded. */
  private readonly unfolded = new Set<string>();
  private rendered: Entry | undefined;
  private pending = false;

  constructor(root: ShadowRoot, client: MizanClient, open: boolean, inline: boolean) {
    this.client = client;
    this.open = open;
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.toggle = el('button', { class: 'toggle', type: 'button', 'data-testid': 'devtools-toggle' });
    this.toggle.addEventListener('click', () => {
      this.open = !this.open;
      this.render();
    });
    this.counts = el('span', { class: 'counts', 'data-testid': 'devtools-counts' });
    const clear = el('button', { class: 'link', type: 'button', 'data-testid': 'devtools-clear' }, 'clear log');
    clear.addEventListener('click', () => this.recorder?.clear());
    this.bar = el('div', { class: 'bar' }, this.toggle, this.counts, clear);
    this.rows = el('tbody', {});
    const table = el(
      'table',
      { 'data-testid': 'devtools-instances' },
      el('thead', {}, el('tr', {}, ...['instance', 'status', 'subscribers', 'updated', 'data'].map((h) => el('th', {}, h)))),
      this.rows,
    );
    this.log = el('ol', { class: 'log', 'data-testid': 'devtools-log' });
    this.body = el(
      'div',
      { class: 'body' },
      el('section', { class: 'instances' }, el('h2', {}, 'Context instances'), table),
      el('section', { class: 'events' }, el('h2', {}, 'Calls, invalidations, merges, refreshes, pushes'), this.log),
    );
    root.append(style, el('div', { class: inline ? 'panel inline' : 'panel' }, this.bar, this.body));
  }

  /** Renders once for a burst of events. */
  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      this.render();
    }, 30);
  }

  render(): void {
    const instances = [...this.client.instances.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const { calls, fetches } = this.recorder?.counts ?? { calls: 0, fetches: 0 };
    this.toggle.textContent = `${this.open ? '▾' : '▸'} Mizan devtools`;
    this.counts.textContent = `${instances.length} instances · ${calls + fetches} requests (${calls} calls, ${fetches} fetches)`;
    this.body.hidden = !this.open;
    if (!this.open) return;
    this.renderInstances(instances);
    this.renderLog();
  }

  private renderInstances(instances: ContextInstance<unknown>[]): void {
    const now = Date.now();
    const rows = instances.map((instance) => {
      const state = instance.getState();
      const status = `${state.status}${state.isFetching ? ' · fetching' : ''}${state.error ? ` · ${state.error.code}` : ''}`;
      const data = el('details', {}, el('summary', {}, state.data === undefined ? '—' : 'data'));
      if (this.unfolded.has(instance.key)) {
        (data as HTMLDetailsElement).open = true;
        data.append(el('pre', {}, JSON.stringify(state.data, null, 2) ?? ''));
      }
      data.addEventListener('toggle', () => {
        // Also fired for the `open` set above: only a change of the user's re-renders.
        const open = (data as HTMLDetailsElement).open;
        if (open === this.unfolded.has(instance.key)) return;
        if (open) this.unfolded.add(instance.key);
        else this.unfolded.delete(instance.key);
        this.render();
      });
      return el(
        'tr',
        { 'data-testid': 'devtools-instance', 'data-key': instance.key, 'data-status': state.status, class: instance.subscribers ? '' : 'unmounted' },
        el('td', { class: 'key' }, instance.key),
        el('td', { class: `status ${state.status}` }, status),
        el('td', { class: 'num' }, String(instance.subscribers)),
        el('td', { class: 'num' }, state.updatedAt ? ago(now - state.updatedAt) : '—'),
        el('td', {}, data),
      );
    });
    this.rows.replaceChildren(...rows);
  }

  private renderLog(): void {
    const entries = this.recorder?.entries ?? [];
    if (entries[0] === this.rendered && this.log.childElementCount === entries.length) return;
    this.rendered = entries[0];
    this.log.replaceChildren(
      ...entries.map((e) =>
        el(
          'li',
          { class: `entry ${e.kind}`, 'data-testid': 'devtools-log-row', 'data-kind': e.kind },
          el('span', { class: 'time' }, clock(e.at)),
          el('span', { class: 'kind' }, e.kind),
          el('span', { class: 'text' }, e.text),
          el('span', { class: 'cause' }, e.cause ? `by ${e.cause}` : ''),
          el('span', { class: 'ms' }, e.ms === undefined ? '' : `${e.ms} ms`),
        ),
      ),
    );
    if (entries.length === 0) this.log.append(el('li', { class: 'empty' }, 'Nothing yet. Calls, fetches, invalidations, merges, refreshes and pushes show up here.'));
  }
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function ago(ms: number): string {
  if (ms < 1000) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}

function clock(at: number): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
