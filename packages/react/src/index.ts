export type { ChannelState, ChannelStatus, ContextState } from '@mizan/base';
export { type ChannelResult, useChannel } from './channel.js';
export {
  type ContextDef,
  ContextProvider,
  type ContextProviderProps,
  defineContext,
  useContextState,
  useMember,
} from './context.js';
export { mount } from './mount.js';
export { useMutation, type MutationResult } from './mutation.js';
export { MizanProvider, type MizanProviderProps, useMizan } from './provider.js';
