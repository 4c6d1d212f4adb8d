/**
 * A tiny Mizan app on a real loopback server: context `user` (members
 * `user_profile`, `user_orders`), mutations `rename_user` (affects `user`,
 * refreshes what it is asked for: PROTOCOL.md §3.5) and `add_order` (merge).
 * Every framework adapter's tests run against it.
 */
import { sendJson, startServer, type TestServer } from './server.js';

export interface Profile {
  id: number;
  name: string;
}

export interface Order {
  id: number;
  total: number;
}

export interface App extends TestServer {
  /** Context fetches received, as `user_id` values. */
  fetches(): string[];
  /** Holds the answers to calls until the returned function is called. */
  holdCalls(): () => void;
}

export async function startApp(): Promise<App> {
  const users = new Map<number, Profile>([
    [1, { id: 1, name: 'Ada' }],
    [2, { id: 2, name: 'Bob' }],
  ]);
  const orders: Order[] = [{ id: 10, total: 5 }];
  let gate: Promise<void> = Promise.resolve();
  const bundle = (id: number) => ({ user_orders: orders, user_profile: users.get(id) });
  const server = await startServer(async (req, res) => {
    const url = new URL(req.url, 'http://app');
    if (req.method === 'GET' && url.pathname === '/api/mizan/ctx/user/') {
      const id = Number(url.searchParams.get('user_id'));
      if (!users.has(id)) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'No such user' } });
      return sendJson(res, 200, bundle(id));
    }
    if (req.method === 'POST' && url.pathname === '/api/mizan/call/') {
      await gate;
      const { fn, args, refresh = [] } = JSON.parse(req.body.toString('utf8')) as {
        fn: string;
        args: Record<string, unknown>;
        refresh?: string[];
      };
      if (fn === 'rename_user') {
        const name = String(args['name']);
        if (!name) {
          return sendJson(res, 422, {
            error: { code: 'VALIDATION_ERROR', details: { fields: { name: ['required'] } }, message: 'Input validation failed' },
          });
        }
        const profile = { id: Number(args['user_id']), name };
        users.set(profile.id, profile);
        const key = `user;user_id=${profile.id}`;
        const refreshed = refresh.includes(key) ? { refreshed: { [key]: bundle(profile.id) } } : {};
        return sendJson(res, 200, { invalidate: [{ context: 'user', params: { user_id: profile.id } }], result: profile, ...refreshed });
      }
      if (fn === 'add_order') {
        const order = { id: Number(args['id']), total: Number(args['total']) };
        orders.push(order);
        return sendJson(res, 200, {
          invalidate: [],
          merge: [{ context: 'user', key: 'id', mode: 'upsert', slot: 'user_orders', value: order }],
          result: order,
        });
      }
    }
    return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found' } });
  });
  return {
    ...server,
    fetches: () => server.to('/ctx/').map((r) => new URL(r.url, 'http://app').searchParams.get('user_id') ?? ''),
    holdCalls: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}
