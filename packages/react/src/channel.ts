import { type ChannelState, openChannel } from '@mizan/base';
import { useMemo, useSyncExternalStore } from 'react';
import { useMizan } from './provider.js';

export interface ChannelResult<S, M> extends ChannelState<M> {
  /** Sends a message to the channel. Resolves when the server took it; rejects with a `MizanError`. */
  send(message: S): Promise<void>;
}

/**
 * Joins the channel instance `name` with `params` while the component is
 * mounted (components with equal params share one join) and re-renders on
 * every message and status change. Params are compared by their canonical
 * key, so a new object literal on every render is the same instance. Needs
 * a live client (`config={{ live: websocket() }}`).
 */
export function useChannel<P extends object, S, M>(name: string, params: P): ChannelResult<S, M> {
  const channel = openChannel<S, M>(useMizan(), name, params);
  const state = useSyncExternalStore(channel.subscribe, channel.getState, channel.getState);
  return useMemo(() => ({ ...state, send: channel.send }), [state, channel]);
}
