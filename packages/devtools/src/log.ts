/**
 * The log: a client's events (`client.on`) as lines a person reads, newest
 * first, each with the function (or push) that caused it, and the count of
 * requests the client made.
 */
import type { InvalidateTarget, MergeEntry, MizanClient, MizanEvent } from '@mizan/base';

/** What a line is about; the overlay colours it. */
export type EntryKind = 'call' | 'reply' | 'error' | 'invalidate' | 'merge' | 'refresh' | 'push' | 'fetch' | 'instance';

export interface Entry {
  id: number;
  /** `Date.now()` when it happened. */
  at: number;
  kind: EntryKind;
  text: string;
  /** The function whose call caused it, `push`, or what else did (`focus`, `header`…). */
  cause?: string;
  /** Milliseconds from the call to its reply. */
  ms?: number;
}

/** Requests the client made since it was recorded: each call and each fetch is one. */
export interface Counts {
  calls: number;
  fetches: number;
}

/** Keeps the latest `limit` lines of `client`'s events; `onChange` hears each new one. */
export class Recorder {
  entries: Entry[] = [];
  counts: Counts = { calls: 0, fetches: 0 };
  private next = 1;
  /** Start times of calls in flight, per function, oldest first. */
  private started = new Map<string, number[]>();
  private readonly stop: () => void;

  constructor(
    client: MizanClient,
    private readonly onChange: () => void,
    private readonly limit = 200,
  ) {
    this.stop = client.on((event) => this.record(event));
  }

  close(): void {
    this.stop();
  }

  clear(): void {
    this.entries = [];
    this.counts = { calls: 0, fetches: 0 };
    this.onChange();
  }

  private record(event: MizanEvent): void {
    const line = this.describe(event);
    if (!line) return;
    this.entries = [{ id: this.next++, at: Date.now(), ...line }, ...this.entries].slice(0, this.limit);
    this.onChange();
  }

  private describe(event: MizanEvent): Omit<Entry, 'id' | 'at'> | undefined {
    switch (event.type) {
      case 'call': {
        this.counts.calls++;
        const queue = this.started.get(event.fn) ?? [];
        queue.push(Date.now());
        this.started.set(event.fn, queue);
        const refresh = event.refresh.length ? ` · asks back ${event.refresh.join(', ')}` : '';
        return { kind: 'call', text: `${event.fn}(${json(event.args)})${refresh}` };
      }
      case 'settled': {
        const began = this.started.get(event.fn)?.shift();
        const ms = began === undefined ? {} : { ms: Date.now() - began };
        if (event.error) return { kind: 'error', text: `${event.fn} failed: ${event.error.code} · ${event.error.message}`, ...ms };
        return { kind: 'reply', text: `${event.fn} → ${json(event.result)}`, ...ms };
      }
      case 'invalidate':
        return { kind: 'invalidate', text: `invalidate ${event.targets.map(target).join(', ')}`, cause: event.cause };
      case 'merge':
        return { kind: 'merge', text: event.entries.map(merge).join(', '), cause: event.cause };
      case 'refresh':
        return { kind: 'refresh', text: `refreshed ${event.key} with the reply: no request`, cause: event.cause };
      case 'push': {
        const parts = [...(event.push.invalidate ?? []).map(target), ...(event.push.merge ?? []).map(merge)];
        return { kind: 'push', text: `server push: ${parts.join(', ') || 'nothing'}`, cause: 'push' };
      }
      case 'fetch':
        this.counts.fetches++;
        return { kind: 'fetch', text: `fetch ${event.key}` };
      case 'instance':
        return { kind: 'instance', text: `instance ${event.key} created or dropped` };
      default:
        return undefined;
    }
  }
}

/** `board;board_id=1`, `user (every instance)`. */
export function target(t: InvalidateTarget): string {
  if (typeof t === 'string') return `${t} (every instance)`;
  return `${t.context}${params(t.params)}${t.function ? ` (${t.function})` : ''}`;
}

/** `merge upsert board.board_tasks;board_id=1`. */
export function merge(m: MergeEntry): string {
  return `merge ${m.mode} ${m.context}.${m.slot}${params(m.params)}`;
}

function params(p: Record<string, unknown> | undefined): string {
  return Object.entries(p ?? {})
    .map(([k, v]) => `;${k}=${String(v)}`)
    .join('');
}

/** JSON on one line, cut at 120 characters. */
export function json(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'undefined';
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
