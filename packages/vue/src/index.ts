export type { ChannelState, ChannelStatus, ContextState, MutationOptions } from '@mizan/base';
export { type ChannelResult, useChannel } from './channel.js';
export { type ContextDef, ContextProvider, defineContext, useContextState, useMember, useSuspenseContext } from './context.js';
export { type MutationResult, useMutation } from './mutation.js';
export { MizanProvider, mizanProviderProps, useMizan } from './provider.js';
