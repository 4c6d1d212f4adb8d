/**
 * The network log: what the Mizan kernel sends and receives, so that the
 * page can show what invalidation and merge cost in requests. HTTP requests
 * come through `loggedFetch`; the live socket through `loggedSocket`: each
 * frame the page sends (a fetch, a call, a subscription), its reply, and
 * every push the server sends unasked; in the desktop app, each IPC message
 * through `loggedInvoke` and each push through `loggedListen`. A store shaped
 * for `useSyncExternalStore`.
 */
import { invoke } from '@tauri-apps/api/core';
import type { Event, UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';

export interface LogEntry {
  id: number;
  /** `GET`/`POST` over HTTP, `WS` for a frame the page sent, `IPC` for a desktop message, `PUSH` for one the server sent unasked. */
  method: string;
  /** `/ctx/board/?board_id=1` over HTTP; `fetch board;board_id=1` on the socket. */
  path: string;
  /** The function of a call. */
  fn: string | null;
  /** `200`, `ok`, an error code, `failed`; `null` while in flight. */
  status: string | null;
  bad: boolean;
  ms: number | null;
  /** What the answer told the kernel: invalidation targets, merges, a bundle, a message, or the error code. */
  effects: string[];
}

const MAX_ENTRIES = 60;

let entries: readonly LogEntry[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function changed(): void {
  for (const listener of listeners) listener();
}

function add(entry: Omit<LogEntry, 'id'>): number {
  const id = nextId++;
  entries = [{ ...entry, id }, ...entries].slice(0, MAX_ENTRIES);
  changed();
  return id;
}

function update(id: number, patch: Partial<LogEntry>): void {
  entries = entries.map((e) => (e.id === id ? { ...e, ...patch } : e));
  changed();
}

export const netlog = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  getSnapshot(): readonly LogEntry[] {
    return entries;
  },
  clear(): void {
    entries = [];
    changed();
  },
};

/** `fetch`, recording each request in the log. */
export const loggedFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const path = url.pathname.replace(/^\/api\/mizan/, '') + url.search;
  const id = add({ method, path, fn: callName(init?.body), status: null, bad: false, ms: null, effects: [] });
  const started = performance.now();
  try {
    const response = await fetch(input, init);
    update(id, { status: String(response.status), bad: response.status >= 400, ms: elapsed(started) });
    void response
      .clone()
      .json()
      .then(
        (body: unknown) => update(id, { effects: effects(path.startsWith('/ctx/') ? 'fetch' : path.startsWith('/call/') ? 'call' : '', body) }),
        () => undefined,
      );
    return response;
  } catch (e) {
    update(id, { status: 'failed', bad: true, ms: elapsed(started), effects: ['network error'] });
    throw e;
  }
};

/**
 * A WebSocket for the kernel's live transport (`live: { socket: loggedSocket }`)
 * that records the connection, each frame the page sends with its reply,
 * and each push.
 */
export function loggedSocket(url: string): WebSocket {
  const socket = new WebSocket(url);
  const opened = performance.now();
  const connection = add({ method: 'GET', path: '/ws/', fn: null, status: null, bad: false, ms: null, effects: ['opening the socket'] });
  socket.addEventListener('open', () => update(connection, { status: '101', ms: elapsed(opened), effects: ['socket open: one connection for everything below'] }));
  socket.addEventListener('close', (e) => {
    add({ method: 'WS', path: 'close', fn: null, status: String(e.code), bad: true, ms: null, effects: ['socket closed: the client reconnects and refetches what it shows'] });
  });
  const sent = new Map<unknown, { id: number; action: string; started: number }>();
  const send = socket.send.bind(socket);
  socket.send = (data) => {
    const frame = typeof data === 'string' ? parse(data) : {};
    const action = String(frame['action']);
    const id = add({ method: 'WS', path: `${action} ${frameTarget(frame)}`.trim(), fn: typeof frame['fn'] === 'string' ? frame['fn'] : null, status: null, bad: false, ms: null, effects: [] });
    sent.set(frame['id'], { id, action, started: performance.now() });
    send(data);
  };
  socket.addEventListener('message', (e: MessageEvent<string>) => {
    const frame = parse(e.data);
    const request = sent.get(frame['id']);
    if (request) {
      sent.delete(frame['id']);
      const error = frame['error'];
      update(request.id, {
        status: isRecord(error) ? String(error['code']) : 'ok',
        bad: isRecord(error),
        ms: elapsed(request.started),
        effects: effects(request.action, frame),
      });
      return;
    }
    add({ method: 'PUSH', path: String(frame['action']), fn: null, status: '', bad: false, ms: null, effects: pushEffects(frame) });
  });
  return socket;
}

/**
 * Tauri's `invoke` for the desktop app's transport
 * (`tauriTransport({ invoke: loggedInvoke })`), recording each message
 * (`call`, `fetch board;board_id=1`, `subscribe …`) with its reply.
 */
export async function loggedInvoke(command: string, body: Uint8Array): Promise<unknown> {
  const message = parse(new TextDecoder().decode(body));
  const op = String(message['op']);
  const id = add({ method: 'IPC', path: `${op} ${frameTarget(message)}`.trim(), fn: typeof message['fn'] === 'string' ? message['fn'] : null, status: null, bad: false, ms: null, effects: [] });
  const started = performance.now();
  try {
    const reply = await invoke(command, body);
    update(id, { status: 'ok', ms: elapsed(started), effects: effects(op, reply) });
    return reply;
  } catch (e) {
    const code = isRecord(e) ? String(e['code']) : 'failed';
    update(id, { status: code, bad: true, ms: elapsed(started), effects: [`error ${code}`] });
    throw e;
  }
}

/** The transport's event listener, recording each push to this window. */
export function loggedListen<T>(event: string, handler: (event: Event<T>) => void): Promise<UnlistenFn> {
  return getCurrentWebview().listen<T>(event, (e) => {
    const frame: Record<string, unknown> = isRecord(e.payload) ? e.payload : {};
    add({ method: 'PUSH', path: event === 'mizan://reset' ? 'reset' : String(frame['action']), fn: null, status: '', bad: false, ms: null, effects: pushEffects(frame) });
    handler(e);
  });
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

function callName(body: BodyInit | null | undefined): string | null {
  if (typeof body !== 'string') return null;
  const fn = parse(body)['fn'];
  return typeof fn === 'string' ? fn : null;
}

/** What a frame names: `board;board_id=1`, `activity;board_id=1`; nothing for a call (its function is shown). */
function frameTarget(frame: Record<string, unknown>): string {
  const name = frame['context'] ?? frame['channel'];
  return typeof name === 'string' ? `${name}${paramsText(frame['params'])}` : '';
}

/** The parts of an answer that change the client's view. */
function effects(action: string, body: unknown): string[] {
  if (!isRecord(body)) return [];
  const error = body['error'];
  if (isRecord(error)) return [`error ${String(error['code'])}`];
  if (action === 'fetch') {
    const bundle = isRecord(body['data']) ? body['data'] : body;
    return [`one bundle: ${Object.keys(bundle).join(' + ')}`];
  }
  if (action !== 'call') return [];
  const found = changes(body);
  return found.length > 0 ? found : ['no invalidation'];
}

function pushEffects(frame: Record<string, unknown>): string[] {
  if (frame['action'] === 'message') {
    const message = frame['message'];
    const text = isRecord(message) ? message['text'] : undefined;
    return [`${String(frame['channel'])}${paramsText(frame['params'])}: ${typeof text === 'string' ? text : 'a message'}`];
  }
  return changes(frame);
}

function changes(body: Record<string, unknown>): string[] {
  const out: string[] = [];
  const invalidate = body['invalidate'];
  if (Array.isArray(invalidate)) {
    for (const target of invalidate) out.push(`invalidate ${targetText(target)}`);
  }
  const merge = body['merge'];
  if (Array.isArray(merge)) {
    for (const m of merge) {
      if (isRecord(m)) out.push(`merge ${String(m['mode'])} → ${String(m['context'])}.${String(m['slot'])}${paramsText(m['params'])}`);
    }
  }
  return out;
}

function targetText(target: unknown): string {
  if (typeof target === 'string') return `${target} (every instance)`;
  if (!isRecord(target)) return String(target);
  return `${String(target['context'])}${paramsText(target['params'])}`;
}

function paramsText(params: unknown): string {
  if (!isRecord(params)) return '';
  return Object.entries(params)
    .map(([k, v]) => `;${k}=${String(v)}`)
    .join('');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
