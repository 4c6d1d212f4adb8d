/**
 * A scripted Mizan server on a real loopback port: `/ws/` speaks the socket
 * protocol (PROTOCOL.md §6) through the `ws` package, the rest answers HTTP.
 * Every frame and request is recorded; a test decides the answers and can
 * push, drop connections, or refuse them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { sendJson } from './server.js';

export interface Frame {
  /** The connection it came on, counting from 0. */
  connection: number;
  action: string;
  id: number | string;
  [key: string]: unknown;
}

/** A reply to send, or `hold` to answer later with `reply()`. */
export type Answer = Record<string, unknown> | 'hold';

export interface ScriptedServer {
  /** The mount point, `http://127.0.0.1:<port>/api/mizan`. */
  baseUrl: string;
  /** Every frame clients sent, in order. */
  frames: Frame[];
  /** The frames of one action, as `context;params`-style summaries. */
  sent(action: string): string[];
  /** Every HTTP request (method and path), in order. */
  http: string[];
  /** The URL of each socket connection, in order. */
  upgrades: string[];
  /** How each frame is answered (default: ok, a bundle, an empty call result). */
  answer: (frame: Frame) => Answer;
  /** The bundle a fetch (socket or HTTP) returns; `version` bumps it. */
  version: number;
  /** Answers a held frame. */
  reply(frame: Frame, body: Record<string, unknown>): void;
  /** Sends a frame unasked to every open socket. */
  push(frame: Record<string, unknown>): void;
  /** Closes every open socket with `code`, or cuts it without a close frame. */
  drop(code?: number): void;
  /** While set, upgrades are refused (as a server that is down would). */
  refuse: boolean;
  /** Open sockets now. */
  open(): number;
  close(): Promise<void>;
}

export async function startScripted(): Promise<ScriptedServer> {
  const sockets = new Map<WebSocket, number>();
  let connections = 0;
  const wss = new WebSocketServer({ noServer: true });
  const bundle = (context: unknown, params: unknown) => ({ name: context, params, version: scripted.version });
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    scripted.http.push(`${req.method} ${url.pathname.replace('/api/mizan', '')}${url.search}`);
    req.resume();
    req.on('end', () => {
      if (url.pathname.startsWith('/api/mizan/ctx/')) {
        const name = url.pathname.split('/')[4];
        return sendJson(res, 200, bundle(name, Object.fromEntries(url.searchParams)));
      }
      if (url.pathname === '/api/mizan/call/') return sendJson(res, 200, { invalidate: [], result: 'over http' });
      if (url.pathname === '/api/mizan/session/') return sendJson(res, 200, { csrfToken: null });
      return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found' } });
    });
  });
  http.on('upgrade', (req, socket, head) => {
    if (scripted.refuse) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    scripted.upgrades.push(req.url ?? '');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = connections++;
      sockets.set(ws, connection);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const frame = { ...(JSON.parse(String(data)) as Record<string, unknown>), connection } as Frame;
        scripted.frames.push(frame);
        const answer = scripted.answer(frame);
        if (answer !== 'hold') ws.send(JSON.stringify({ ...answer, id: frame.id }));
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  const byConnection = (connection: number) => [...sockets].find(([, c]) => c === connection)?.[0];
  const scripted: ScriptedServer = {
    baseUrl: `http://127.0.0.1:${port}/api/mizan`,
    frames: [],
    sent: (action) => scripted.frames.filter((f) => f.action === action).map(summary),
    http: [],
    upgrades: [],
    version: 1,
    refuse: false,
    answer: (frame) => {
      switch (frame.action) {
        case 'fetch':
          return { data: bundle(frame['context'], frame['params']) };
        case 'call':
          return { invalidate: [], result: 'over the socket' };
        default:
          return { ok: true };
      }
    },
    reply: (frame, body) => byConnection(frame.connection)?.send(JSON.stringify({ ...body, id: frame.id })),
    push: (frame) => {
      for (const ws of sockets.keys()) ws.send(JSON.stringify(frame));
    },
    drop: (code) => {
      for (const ws of sockets.keys()) {
        if (code === undefined) ws.terminate();
        else ws.close(code, 'test');
      }
    },
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets.keys()) ws.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return scripted;
}

/** `fetch user {"user_id":5}`-style: what a frame asked, without its id. */
function summary(frame: Frame): string {
  const { connection: _c, action: _a, id: _i, ...rest } = frame;
  const name = rest['context'] ?? rest['channel'] ?? rest['fn'];
  delete rest['context'];
  delete rest['channel'];
  delete rest['fn'];
  return `${String(name)} ${JSON.stringify(rest)}`;
}

/** Waits until `check()` holds (polling every few ms), failing after 5 s with `what`. */
export async function until(check: () => boolean, what = 'the condition'): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
