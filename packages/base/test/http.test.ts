import { afterEach, describe, expect, it } from 'vitest';
import { httpTransport, MizanError } from '../src/index.js';
import { deadBaseUrl, sendJson, startServer, type TestServer } from './support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function caught(p: Promise<unknown>): Promise<MizanError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(MizanError);
  return e as MizanError;
}

describe('httpTransport', () => {
  it('call POSTs {fn, args} as JSON to /call/ and returns the body and headers', async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 200, { invalidate: ['user'], result: { ok: true } }, { 'X-Mizan-Invalidate': 'user' }),
    );
    const t = httpTransport({ baseUrl: `${server.baseUrl}/` });
    const { body, headers } = await t.call('rename', { name: 'Zoë', id: 5 }, {});
    expect(body).toEqual({ invalidate: ['user'], result: { ok: true } });
    expect(headers?.get('x-mizan-invalidate')).toBe('user');
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/api/mizan/call/');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body.toString('utf8'))).toEqual({ fn: 'rename', args: { name: 'Zoë', id: 5 } });
  });

  it('sends X-Mizan-Token when a token is given, X-CSRFToken on unsafe requests only, and extra headers', async () => {
    server = await startServer((req, res) => sendJson(res, 200, req.method === 'GET' ? {} : { invalidate: [], result: 1 }));
    const t = httpTransport({ baseUrl: server.baseUrl });
    const init = { token: 'mwt.abc', csrfToken: 'csrf-1', headers: { 'X-Trace': 't1' } };
    await t.call('f', {}, init);
    await t.fetchContext('user', {}, init);
    const [post, get] = server.requests;
    expect(post!.headers['x-mizan-token']).toBe('mwt.abc');
    expect(post!.headers['x-csrftoken']).toBe('csrf-1');
    expect(post!.headers['x-trace']).toBe('t1');
    expect(get!.headers['x-mizan-token']).toBe('mwt.abc');
    expect(get!.headers['x-csrftoken']).toBeUndefined();
  });

  it('sends multipart/form-data with a __mizan part and one part per file when a Blob arg is present', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { invalidate: [], result: 'stored' }));
    const t = httpTransport({ baseUrl: server.baseUrl });
    const avatar = new File(['PNG…bytes'], 'me.png', { type: 'image/png' });
    const notes = new Blob(['plain notes']);
    const { body } = await t.call('upload', { avatar, notes, user_id: 5, caption: 'hi' }, {});
    expect(body.result).toBe('stored');

    const [req] = server.requests;
    expect(req!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Request('http://x/', {
      method: 'POST',
      headers: { 'content-type': req!.headers['content-type']! },
      body: new Uint8Array(req!.body),
    }).formData();
    expect(JSON.parse(form.get('__mizan') as string)).toEqual({ fn: 'upload', args: { user_id: 5, caption: 'hi' } });
    const file = form.get('avatar') as File;
    expect(file.name).toBe('me.png');
    expect(await file.text()).toBe('PNG…bytes');
    expect(await (form.get('notes') as File).text()).toBe('plain notes');
  });

  it('fetchContext GETs /ctx/<name>/ with canonical, sorted params, omitting undefined and null', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { user_profile: { id: 5 } }));
    const t = httpTransport({ baseUrl: server.baseUrl });
    const body = await t.fetchContext('user', { user_id: 5, q: 'a b&c=d', on: true, x: 0.5, gone: undefined, nil: null }, {});
    expect(body).toEqual({ user_profile: { id: 5 } });
    expect(server.requests[0]!.method).toBe('GET');
    expect(server.requests[0]!.url).toBe('/api/mizan/ctx/user/?on=true&q=a%20b%26c%3Dd&user_id=5&x=0.5');
    await t.fetchContext('global', {}, {});
    expect(server.requests[1]!.url).toBe('/api/mizan/ctx/global/');
  });

  it('turns an error envelope into a MizanError with status, code, message and details', async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 422, {
        error: { code: 'VALIDATION_ERROR', details: { fields: { name: ['required'] } }, message: 'Input validation failed' },
      }),
    );
    const e = await caught(httpTransport({ baseUrl: server.baseUrl }).call('f', {}, {}));
    expect(e.status).toBe(422);
    expect(e.code).toBe('VALIDATION_ERROR');
    expect(e.message).toBe('Input validation failed');
    expect(e.fieldErrors('name')).toEqual(['required']);
  });

  it('reports a non-JSON error page as HTTP_ERROR with its status', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    });
    const e = await caught(httpTransport({ baseUrl: server.baseUrl }).fetchContext('user', {}, {}));
    expect([e.status, e.code]).toEqual([502, 'HTTP_ERROR']);
  });

  it('reports a network failure as NETWORK_ERROR with status 0', async () => {
    const e = await caught(httpTransport({ baseUrl: await deadBaseUrl() }).fetchContext('user', {}, {}));
    expect([e.status, e.code]).toEqual([0, 'NETWORK_ERROR']);
  });

  it('reports an aborted request as ABORTED', async () => {
    server = await startServer(() => undefined); // never answers
    const controller = new AbortController();
    const pending = httpTransport({ baseUrl: server.baseUrl }).call('slow', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const e = await caught(pending);
    expect([e.status, e.code]).toEqual([0, 'ABORTED']);
  });

  it('session GETs /session/ and returns the CSRF token or null', async () => {
    let token: string | null = 'tok-1';
    server = await startServer((_req, res) => sendJson(res, 200, { csrfToken: token }));
    const t = httpTransport({ baseUrl: server.baseUrl });
    expect(await t.session!({})).toEqual({ csrfToken: 'tok-1' });
    token = null;
    expect(await t.session!({})).toEqual({ csrfToken: null });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/mizan/session/', 'GET /api/mizan/session/']);
  });
});
