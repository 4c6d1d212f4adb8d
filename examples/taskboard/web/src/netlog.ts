/**
 * The network log: a `fetch` for the Mizan kernel that records every request
 * it makes, so that the page can show what invalidation and merge cost in
 * requests. A store shaped for `useSyncExternalStore`.
 */

export interface LogEntry {
  id: number;
  method: string;
  /** The path under the API mount, with its query: `/ctx/board/?board_id=1`. */
  path: string;
  /** The function of a `/call/`. */
  fn: string | null;
  /** HTTP status; `null` while in flight, 0 when no response came. */
  status: number | null;
  ms: number | null;
  /** What the response told the kernel: invalidation targets, merges, or the error code. */
  effects: string[];
}

const MAX_ENTRIES = 40;

let entries: readonly LogEntry[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function update(id: number, patch: Partial<LogEntry>): void {
  entries = entries.map((e) => (e.id === id ? { ...e, ...patch } : e));
  for (const listener of listeners) listener();
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
    for (const listener of listeners) listener();
  },
};

/** `fetch`, recording each request in the log. */
export const loggedFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const entry: LogEntry = {
    id: nextId++,
    method,
    path: url.pathname.replace(/^\/api\/mizan/, '') + url.search,
    fn: callName(init?.body),
    status: null,
    ms: null,
    effects: [],
  };
  entries = [entry, ...entries].slice(0, MAX_ENTRIES);
  for (const listener of listeners) listener();
  const started = performance.now();
  try {
    const response = await fetch(input, init);
    const ms = Math.round(performance.now() - started);
    update(entry.id, { status: response.status, ms });
    void describe(entry.path, response.clone()).then((effects) => update(entry.id, { effects }));
    return response;
  } catch (e) {
    update(entry.id, { status: 0, ms: Math.round(performance.now() - started), effects: ['network error'] });
    throw e;
  }
};

function callName(body: BodyInit | null | undefined): string | null {
  if (typeof body !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) && typeof parsed['fn'] === 'string' ? parsed['fn'] : null;
  } catch {
    return null;
  }
}

/** The parts of a response body that change the client's view. */
async function describe(path: string, response: Response): Promise<string[]> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return [];
  }
  if (!isRecord(body)) return [];
  const error = body['error'];
  if (isRecord(error)) return [`error ${String(error['code'])}`];
  if (path.startsWith('/ctx/')) return [`one bundle: ${Object.keys(body).join(' + ')}`];
  const effects: string[] = [];
  const invalidate = body['invalidate'];
  if (Array.isArray(invalidate)) {
    for (const target of invalidate) effects.push(`invalidate ${targetText(target)}`);
  }
  const merge = body['merge'];
  if (Array.isArray(merge)) {
    for (const m of merge) {
      if (isRecord(m)) effects.push(`merge ${String(m['mode'])} → ${String(m['context'])}.${String(m['slot'])}${paramsText(m['params'])}`);
    }
  }
  if (Array.isArray(invalidate) && effects.length === 0) effects.push('no invalidation');
  return effects;
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
