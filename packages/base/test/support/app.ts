/**
 * A tiny Mizan app on a real loopback server: context `user` (members
 * `user_profile`, `user_orders`), mutations `rename_user` and `add_order`.
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
}

export async function startApp(): Promise<App> {
  const users = new Map<number, Profile>([
    [1, { id: 1, name: 'Ada' }],
    [2, { id: 2, name: 'Bob' }],
  ]);
  const orders: Order[] = [{ id: 10, total: 5 }];
  const server = await startServer((req, res) => {
    const url = new URL(req.url, 'http://app');
    if (req.method === 'GET' && url.pathname === '/api/mizan/ctx/user/') {
      const profile = users.get(Number(url.searchParams.get('user_id')));
      if (!profile) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'No such user' } });
      return sendJson(res, 200, { user_orders: orders, user_profile: profile });
    }
    if (req.method === 'POST' && url.pathname === '/api/mizan/call/') {
      const { fn, args } = JSON.parse(req.body.toString('utf8')) as { fn: string; args: Record<string, unknown> };
      if (fn === 'rename_user') {
        const name = String(args['name']);
        if (!name) {
          return sendJson(res, 422, {
            error: { code: 'VALIDATION_ERROR', details: { fields: { name: ['required'] } }, message: 'Input validation failed' },
          });
        }
        const profile = { id: Number(args['user_id']), name };
        users.set(profile.id, profile);
        return sendJson(res, 200, { invalidate: [{ context: 'user', params: { user_id: profile.id } }], result: profile });
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
  };
}
