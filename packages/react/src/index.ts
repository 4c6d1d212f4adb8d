export type { ChannelState, ChannelStatus, ContextState, MutationOptions } from '@mizan/base';
export { type ChannelResult, useChannel } from './channel.js';
export {
  type ContextDef,
  ContextProvider,
  type ContextProviderProps,
  defineContext,
  useContextState,
  useMember,
  useSuspenseContext,
} from './context.js';
export { mount } from './mount.js';
export { useMutation, type MutationResult } from './mutation.js';
export { MizanProvider, type MizanProviderProps, useMizan } from './provider.js';
