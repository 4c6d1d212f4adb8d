import { type ChannelStatus, type MizanError, openChannel } from '@mizan/base';
import {
  computed,
  getCurrentInstance,
  getCurrentScope,
  type MaybeRefOrGetter,
  onMounted,
  onScopeDispose,
  type Ref,
  shallowRef,
  toValue,
} from 'vue';
import { follow } from './follow.js';
import { useMizan } from './provider.js';

export interface ChannelResult<S, M> {
  /** `connecting`, `joined`, `error` (the join was refused: see `error`) or `closed`. */
  status: Readonly<Ref<ChannelStatus>>;
  /** Messages received while joined, oldest first. */
  messages: Readonly<Ref<readonly M[]>>;
  error: Readonly<Ref<MizanError | null>>;
  /** Sends a message to the channel. Resolves when the server took it; rejects with a `MizanError`. */
  send(message: S): Promise<void>;
}

/**
 * Joins the channel instance `name` with `params` (a value, a ref or a
 * getter: new params move to another instance) while the component is
 * mounted; components with equal params share one join. Returns refs, so it
 * can be destructured. Never joins during server rendering. Needs a live
 * client (`:config="{ live: websocket() }"`).
 */
export function useChannel<P extends object, S, M>(name: string, params: MaybeRefOrGetter<P>): ChannelResult<S, M> {
  const client = useMizan();
  const channel = computed(() => openChannel<S, M>(client, name, toValue(params)));
  const state = shallowRef(channel.value.getState());
  // In a component, from a hook so that the watcher belongs to it (unmounting
  // stops it, and stopping it leaves; never during server rendering);
  // elsewhere, for the calling scope.
  if (getCurrentInstance()) onMounted(() => follow(channel, state));
  else {
    const stop = follow(channel, state);
    if (getCurrentScope()) onScopeDispose(stop);
  }
  return {
    status: computed(() => state.value.status),
    messages: computed(() => state.value.messages),
    error: computed(() => state.value.error),
    send: (message) => channel.value.send(message),
  };
}
