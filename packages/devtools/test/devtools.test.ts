import { afterEach, describe, expect, it } from 'vitest';
import { memoryClient, mounted, settle } from '../../base/test/support/memory.js';
import { mountDevtools } from '../src/index.js';

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

/** The overlay's shadow root. */
function overlay(): ShadowRoot {
  const host = document.getElementById('mizan-devtools');
  if (!host?.shadowRoot) throw new Error('no overlay');
  return host.shadowRoot;
}

const rows = (testid: string) => [...overlay().querySelectorAll(`[data-testid="${testid}"]`)] as HTMLElement[];
const wait = () => new Promise((resolve) => setTimeout(resolve, 60));

describe('@mizan/devtools', () => {
  it('lists every instance with its status and subscribers, without subscribing to any', async () => {
    const { client } = memoryClient();
    const shown = client.instance('board', { board_id: 1 });
    await mounted(shown);
    client.instance('board', { board_id: 2 }); // never shown
    unmount = mountDevtools(client);
    await wait();
    const instances = rows('devtools-instance').map((r) => [r.dataset['key'], r.dataset['status'], r.children[2]?.textContent]);
    expect(instances).toEqual([
      ['board;board_id=1', 'success', '1'],
      ['board;board_id=2', 'idle', '0'],
    ]);
    expect(shown.subscribers).toBe(1);
    expect(client.instance('board', { board_id: 2 }).getState().status).toBe('idle');
  });

  it('logs calls, refreshes, invalidations, merges and pushes with the function that caused each, and counts requests', async () => {
    const { client, transport } = memoryClient();
    unmount = mountDevtools(client);
    await mounted(client.instance('board', { board_id: 1 }));
    await mounted(client.instance('board', { board_id: 2 }));
    transport.callResponse = {
      result: { id: 3 },
      invalidate: ['board'],
      merge: [{ context: 'board', slot: 'title', mode: 'replace', params: { board_id: 1 }, value: 'x' }],
      refreshed: { 'board;board_id=1': { title: 'x' } },
    };
    await client.call('move_task', { board_id: 1 }, { affects: ['board'] });
    transport.push({ invalidate: [{ context: 'board', params: { board_id: 2 } }] });
    await settle();
    await wait();
    const log = rows('devtools-log-row')
      .reverse()
      .filter((r) => r.dataset['kind'] !== 'instance')
      .map((r) => `${r.dataset['kind']}: ${r.querySelector('.text')?.textContent} ${r.querySelector('.cause')?.textContent}`.trim());
    expect(log).toEqual([
      'fetch: fetch board;board_id=1',
      'fetch: fetch board;board_id=2',
      'call: move_task({"board_id":1}) · asks back board;board_id=1',
      'reply: move_task → {"id":3}',
      'merge: merge replace board.title;board_id=1 by move_task',
      'refresh: refreshed board;board_id=1 with the reply: no request by move_task',
      'invalidate: invalidate board (every instance) by move_task',
      'fetch: fetch board;board_id=2',
      'push: server push: board;board_id=2 by push',
      'invalidate: invalidate board;board_id=2 by push',
      'fetch: fetch board;board_id=2',
    ]);
    expect(overlay().querySelector('[data-testid="devtools-counts"]')?.textContent).toBe(
      '2 instances · 5 requests (1 calls, 4 fetches)',
    );
  });

  it('folds away, and goes with its unmount', async () => {
    const { client } = memoryClient();
    unmount = mountDevtools(client, { open: false });
    const body = overlay().querySelector('.body') as HTMLElement;
    expect(body.hidden).toBe(true);
    (overlay().querySelector('[data-testid="devtools-toggle"]') as HTMLButtonElement).click();
    expect(body.hidden).toBe(false);
    unmount();
    unmount = undefined;
    expect(document.getElementById('mizan-devtools')).toBeNull();
  });
});
