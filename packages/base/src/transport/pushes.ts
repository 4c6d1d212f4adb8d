/**
 * What the live transports share: the push objects the server sends unasked
 * (PROTOCOL.md §6 — on the socket as frames, over IPC as events), and the
 * joined channel instances they are delivered to.
 */
import { isObject } from '../error.js';
import { formatTarget } from '../invalidation.js';
import type { ChannelEvents, Push } from '../transport.js';

/** One joined channel instance: one join on the wire for all its holders. */
export interface Joined {
  name: string;
  params: Record<string, unknown>;
  /** Everyone holding this channel instance. */
  holders: Set<ChannelEvents>;
  /** The current join, settled with whether the server accepted it. */
  ack: Promise<boolean> | undefined;
  /** The latest status told, for a holder that arrives later. */
  status: Parameters<ChannelEvents['status']>;
}

/**
 * Delivers one push: `invalidate` and `merge` to `emit`, a channel
 * `message` to the holders of its instance (matched by canonical params).
 * Anything else is ignored.
 */
export function deliverPush(push: unknown, emit: (push: Push) => void, channels: ReadonlyMap<string, Joined>): void {
  if (!isObject(push)) return;
  switch (push['action']) {
    case 'invalidate':
    case 'merge': {
      const out: Push = {};
      if (Array.isArray(push['invalidate'])) out.invalidate = push['invalidate'];
      if (Array.isArray(push['merge'])) out.merge = push['merge'];
      emit(out);
      return;
    }
    case 'message': {
      const channel = push['channel'];
      const params = push['params'];
      if (typeof channel !== 'string') return;
      const entry = channels.get(formatTarget(channel, isObject(params) ? params : {}));
      for (const holder of entry?.holders ?? []) holder.message(push['message']);
      return;
    }
    default:
  }
}

/** Tells every holder of `entry` its new status, and keeps it for later holders. */
export function tell(entry: Joined, ...status: Parameters<ChannelEvents['status']>): void {
  entry.status = status;
  for (const holder of entry.holders) holder.status(...status);
}
