export type { ChannelState, ChannelStatus, ContextState } from '@mizan/base';
export { type ChannelResult, useChannel } from './channel.js';
export { type ContextDef, ContextProvider, defineContext, useContextState, useMember } from './context.js';
export { type MutationResult, useMutation } from './mutation.js';
export { MizanProvider, mizanProviderProps, useMizan } from './provider.js';
