/**
 * A channel instance (PROTOCOL.md §6.1): one channel with one set of params,
 * joined while someone holds it, and the messages received since. Shaped
 * like a context instance for `useSyncExternalStore`: `subscribe` and
 * `getState` are bound, and `getState` returns the same object until the
 * state changes.
 */
import type { MizanClient } from './client.js';
import { MizanError, toMizanError } from './error.js';
import { definedParams, formatTarget } from './invalidation.js';
import { Subscribable } from './subscribable.js';
import type { ChannelEvents } from './transport.js';

/**
 * `closed` while nobody holds the channel; `connecting` while the socket is
 * not open or the join is unanswered (again after a drop); `joined`; `error`
 * when the server refused the join (tried again after the next reconnect).
 */
export type ChannelStatus = 'connecting' | 'joined' | 'error' | 'closed';

export interface ChannelState<M> {
  status: ChannelStatus;
  /** Messages received while joined, oldest first (the latest `CHANNEL_HISTORY`). */
  messages: readonly M[];
  /** Why the join was refused (`error`), or why the channel cannot be joined at all. */
  error: MizanError | null;
}

/** How many messages a channel instance keeps. */
export const CHANNEL_HISTORY = 100;

/** What a channel instance needs from its client's channels. */
interface ChannelHost {
  /** Joins through the transport; `undefined` when the transport has no channels. */
  join(channel: ChannelInstance<unknown, unknown>, events: ChannelEvents): (() => void) | undefined;
  send(channel: ChannelInstance<unknown, unknown>, message: unknown): Promise<void>;
  /** The instance is held again after it was let go: the client must route its messages to it. */
  adopt(channel: ChannelInstance<unknown, unknown>): void;
  drop(channel: ChannelInstance<unknown, unknown>): void;
}

const CLOSED: ChannelState<never> = { status: 'closed', messages: [], error: null };

export class ChannelInstance<S = unknown, M = unknown> extends Subscribable {
  readonly name: string;
  /** The instance key: the channel's name and its params, like a context instance's. */
  readonly key: string;
  readonly params: Record<string, unknown>;

  private state: ChannelState<M> = CLOSED;
  private readonly host: ChannelHost;
  private leave: (() => void) | undefined;
  private leaveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ChannelHost, name: string, params: Record<string, unknown>, key: string) {
    super();
    this.host = host;
    this.name = name;
    this.params = params;
    this.key = key;
  }

  getState = (): ChannelState<M> => this.state;

  /**
   * Holds the channel joined without a listener, until the returned function
   * is called. (A subscriber holds it too.)
   */
  join = (): (() => void) => this.subscribe(() => undefined);

  /**
   * Sends a message to the channel (it is joined first if the join is still
   * in flight). Resolves when the server took it; what everyone in the
   * channel receives is up to the server. Rejects with a `MizanError`.
   */
  send = async (message: S): Promise<void> => {
    try {
      await this.host.send(this as ChannelInstance<unknown, unknown>, message);
    } catch (e) {
      throw toMizanError(e);
    }
  };

  /** The first holder joins; the last one leaving leaves (a tick later, so that a remount in the same tick stays joined). */
  protected override onFirstListener(): void {
    clearTimeout(this.leaveTimer);
    if (this.leave) return;
    const self = this as ChannelInstance<unknown, unknown>;
    this.host.adopt(self);
    let current = true;
    const events: ChannelEvents = {
      status: (status, error) => current && this.update({ status, error: error ?? null }),
      message: (message) => {
        if (!current) return;
        const messages = this.state.messages;
        const kept = messages.length >= CHANNEL_HISTORY ? messages.slice(1 - CHANNEL_HISTORY) : messages;
        this.update({ messages: [...kept, message as M] });
      },
    };
    const leave = this.host.join(self, events);
    if (!leave) {
      current = false;
      this.update({ status: 'error', error: notLive(this.name) });
      this.leave = () => undefined;
      return;
    }
    this.leave = () => {
      current = false;
      leave();
    };
  }

  protected override onLastListener(): void {
    this.leaveTimer = setTimeout(() => {
      if (this.subscribers) return;
      this.leave?.();
      this.leave = undefined;
      this.update(CLOSED);
      this.host.drop(this as ChannelInstance<unknown, unknown>);
    }, 0);
  }

  /** @internal The client's transport changed: join through the new one. */
  rejoin(): void {
    if (!this.leave) return;
    this.leave();
    this.leave = undefined;
    if (this.subscribers) this.onFirstListener();
  }

  private update(patch: Partial<ChannelState<M>>): void {
    this.state = { ...this.state, ...patch };
    this.notify();
  }
}

/** Each client's channel instances, by key, and what they need from it. */
const registries = new WeakMap<MizanClient, [Map<string, ChannelInstance<unknown, unknown>>, ChannelHost]>();

/**
 * The channel instance `name` with `params` of `client` (PROTOCOL.md §6.1),
 * created on first use: joined while it has subscribers (or `join()`
 * holders), with the messages received since. Needs a live client. Kept out
 * of the client itself so that an app without channels does not carry them.
 */
export function openChannel<S = unknown, M = unknown>(client: MizanClient, name: string, params: object = {}): ChannelInstance<S, M> {
  let registry = registries.get(client);
  if (!registry) {
    const channels = new Map<string, ChannelInstance<unknown, unknown>>();
    const host: ChannelHost = {
      join: (channel, events) => client.transport.join?.(channel.name, channel.params, events),
      send: (channel, message) => {
        const { transport } = client;
        return transport.send ? transport.send(channel.name, channel.params, message) : Promise.reject(notLive(channel.name));
      },
      adopt: (channel) => {
        if (!channels.has(channel.key)) channels.set(channel.key, channel);
      },
      drop: (channel) => {
        if (channels.get(channel.key) === channel) channels.delete(channel.key);
      },
    };
    // Another transport: every joined channel joins through it.
    client.on((event) => event.type === 'transport' && channels.forEach((channel) => channel.rejoin()));
    registries.set(client, (registry = [channels, host]));
  }
  const [channels, host] = registry;
  const p = definedParams(params);
  const key = formatTarget(name, p);
  let channel = channels.get(key);
  if (!channel) channels.set(key, (channel = new ChannelInstance(host, name, p, key)));
  return channel as ChannelInstance<S, M>;
}

/** The error of a channel on a client that is not live. */
function notLive(name: string): MizanError {
  return new MizanError(
    0,
    'NOT_LIVE',
    `Channel \`${name}\` needs the live transport: configure the client with \`live: websocket()\``,
  );
}
