/**
 * The default transport: the HTTP endpoints of PROTOCOL.md §1.
 */
import { canonicalString, sortedKeys } from '../canonical.js';
import { errorFromEnvelope, MizanError, toMizanError } from '../error.js';
import type { CallResponse, RequestContext, Transport } from '../transport.js';

export interface HttpTransportOptions {
  /** Mount point of the Mizan endpoints. Default `/api/mizan`. */
  baseUrl?: string;
  /** Default `same-origin`; `include` for a cross-origin API with cookies. */
  credentials?: RequestCredentials;
  /** Default: the global `fetch`, looked up at request time. */
  fetch?: typeof fetch;
}

export function httpTransport(options: HttpTransportOptions = {}): Transport {
  const base = (options.baseUrl ?? '/api/mizan').replace(/\/+$/, '');

  async function send(path: string, method: 'GET' | 'POST', init: RequestContext, body?: BodyInit) {
    const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
    if (typeof body === 'string') headers['Content-Type'] = 'application/json';
    if (init.token) headers['X-Mizan-Token'] = init.token;
    const csrf = method === 'GET' ? undefined : (init.csrfToken ?? (await init.csrf?.()));
    if (csrf) headers['X-CSRFToken'] = csrf;
    const request: RequestInit = { method, headers, credentials: options.credentials ?? 'same-origin' };
    if (body !== undefined) request.body = body;
    if (init.signal) request.signal = init.signal;

    let res: Response;
    try {
      res = await (options.fetch ? options.fetch(base + path, request) : fetch(base + path, request));
    } catch (e) {
      throw toMizanError(e);
    }
    let parsed: unknown;
    try {
      const text = await res.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw toMizanError(e);
      // An error page that is not JSON still has a status worth reporting.
      if (res.ok) throw notJson(res.status);
    }
    if (!res.ok) throw errorFromEnvelope(res.status, parsed);
    if (typeof parsed !== 'object' || parsed === null) {
      throw notJson(res.status);
    }
    return { body: parsed as Record<string, unknown>, headers: res.headers };
  }

  return {
    async call(fn, args, init, refresh) {
      const { body, headers } = await send('/call/', 'POST', init, encodeCall(envelope(fn, args, refresh)));
      return { body: body as unknown as CallResponse<unknown>, headers };
    },
    async fetchContext(name, params, init) {
      const query = sortedKeys(params)
        .filter((k) => params[k] !== undefined && params[k] !== null)
        .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(canonicalString(params[k]))}`)
        .join('&');
      const path = `/ctx/${encodeURIComponent(name)}/${query ? `?${query}` : ''}`;
      return (await send(path, 'GET', init)).body;
    },
    async session(init) {
      const { body } = await send('/session/', 'GET', init);
      return { csrfToken: typeof body['csrfToken'] === 'string' ? body['csrfToken'] : null };
    },
  };
}

const notJson = (status: number) => new MizanError(status, 'BAD_RESPONSE', 'The server did not answer with a JSON object');

interface Envelope {
  fn: string;
  args: Record<string, unknown>;
  refresh?: readonly string[];
}

/** `{fn, args, refresh?}`: `refresh` only when it lists something (PROTOCOL.md §3.5). */
export function envelope(fn: string, args: Record<string, unknown>, refresh: readonly string[] = []): Envelope {
  return refresh.length ? { fn, args, refresh } : { fn, args };
}

/**
 * JSON `{fn, args, refresh?}`, or multipart when a top-level argument is a
 * file: part `__mizan` holds the envelope without the files, one part per
 * file argument.
 */
function encodeCall(call: Envelope): BodyInit {
  const { args } = call;
  const files = Object.keys(args).filter((k) => typeof Blob !== 'undefined' && args[k] instanceof Blob);
  if (files.length === 0) return JSON.stringify(call);
  const rest: Record<string, unknown> = { ...args };
  for (const k of files) delete rest[k];
  const form = new FormData();
  form.append('__mizan', JSON.stringify({ ...call, args: rest }));
  for (const k of files) form.append(k, args[k] as Blob);
  return form;
}
