// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { MizanClient, websocket } from '../src/index.js';
import { MemoryTransport, settle } from './support/memory.js';

function setVisibility(state: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('refetch on focus and reconnect (browser)', () => {
  it('is on by default in a mounted client: watched instances refetch once, the rest are marked stale', async () => {
    const transport = new MemoryTransport();
    const client = new MizanClient({ transport, csrf: false });
    client.mount();
    client.instance('user').subscribe(() => undefined);
    client.instance('user', { user_id: 5 }).subscribe(() => undefined);
    const idle = client.instance('orders');
    await settle();
    expect(transport.fetches).toHaveLength(2);

    setVisibility('hidden');
    await settle();
    expect(transport.fetches).toHaveLength(2);
    setVisibility('visible');
    window.dispatchEvent(new Event('online'));
    await settle();
    expect(transport.fetches).toHaveLength(4);
    expect(idle.getState().status).toBe('idle');
  });

  it('listens to the page only from mount() to the last unmount()', async () => {
    const transport = new MemoryTransport();
    const client = new MizanClient({ transport, csrf: false });
    client.instance('user').subscribe(() => undefined);
    await settle();
    const focusAndOnline = async () => {
      setVisibility('visible');
      window.dispatchEvent(new Event('online'));
      await settle();
      return transport.fetches.length;
    };
    // Never mounted (a server render, a test): the client touches no global.
    expect(await focusAndOnline()).toBe(1);
    client.mount();
    client.mount(); // two providers
    expect(await focusAndOnline()).toBe(2);
    client.unmount();
    expect(await focusAndOnline()).toBe(3);
    client.unmount();
    expect(await focusAndOnline()).toBe(3);
    client.unmount(); // one too many is harmless
    client.mount();
    expect(await focusAndOnline()).toBe(4);
    client.unmount();
  });

  it('can be switched off', async () => {
    const transport = new MemoryTransport();
    const client = new MizanClient({ transport, csrf: false, refetchOnFocus: false, refetchOnReconnect: false });
    client.mount();
    client.instance('user').subscribe(() => undefined);
    await settle();
    setVisibility('visible');
    window.dispatchEvent(new Event('online'));
    await settle();
    expect(transport.fetches).toHaveLength(1);
  });
});

describe('when live (browser)', () => {
  /** A live client whose socket cannot open: requests take the fallback transport. */
  function live() {
    const transport = new MemoryTransport();
    let attempts = 0;
    const client = new MizanClient({
      transport,
      csrf: false,
      live: websocket({
        socket: () => {
          attempts++;
          throw new Error('no server');
        },
        reconnectDelay: () => 60_000,
      }),
    });
    return { transport, client, attempts: () => attempts };
  }

  it('does not refetch on focus or online by default: pushes and the reconnect keep the page fresh', async () => {
    const { transport, client } = live();
    client.mount();
    client.instance('user').subscribe(() => undefined);
    await settle();
    expect(transport.fetches).toHaveLength(1);
    setVisibility('visible');
    window.dispatchEvent(new Event('online'));
    await settle();
    expect(transport.fetches).toHaveLength(1);
    client.configure({ live: false });
  });

  it('coming back online reconnects at once instead of waiting out the backoff', async () => {
    const { client, attempts } = live();
    client.instance('user').subscribe(() => undefined);
    await settle();
    expect(attempts()).toBe(1);
    window.dispatchEvent(new Event('online'));
    expect(attempts()).toBe(2);
    client.configure({ live: false });
  });
});
