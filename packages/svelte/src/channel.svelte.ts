import { type ChannelStatus, type MizanError, openChannel } from '@mizan/base';
import { useMizan } from './client.js';
import { track } from './track.svelte.js';

export interface ChannelResult<S, M> {
  /** `connecting`, `joined`, `error` (the join was refused: see `error`) or `closed`. */
  readonly status: ChannelStatus;
  /** Messages received while joined, oldest first. */
  readonly messages: readonly M[];
  readonly error: MizanError | null;
  /** Sends a message to the channel. Resolves when the server took it; rejects with a `MizanError`. */
  send(message: S): Promise<void>;
}

/**
 * Joins the channel instance `name` with `params` while the component is
 * mounted (never during server rendering); components with equal params
 * share one join. `params` may be a getter, `() => ({ room })`, to follow
 * props: new params move to another instance. `status`, `messages` and
 * `error` are tracked reads. Needs a live client (`config={{ live: websocket() }}`).
 */
export function useChannel<P extends object, S, M>(name: string, params: P | (() => P)): ChannelResult<S, M> {
  const client = useMizan();
  const read = typeof params === 'function' ? (params as () => P) : () => params;
  const channel = $derived(openChannel<S, M>(client, name, read()));
  const state = track(() => channel);
  return {
    get status() {
      return state().status;
    },
    get messages() {
      return state().messages;
    },
    get error() {
      return state().error;
    },
    send: (message) => channel.send(message),
  };
}
