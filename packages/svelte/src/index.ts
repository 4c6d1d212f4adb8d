export type { ChannelState, ChannelStatus, ContextState, MutationOptions } from '@mizan/base';
export { type ChannelResult, useChannel } from './channel.svelte.js';
export { clientContext, useMizan } from './client.js';
export { type ContextDef, defineContext, useContextState, useMember } from './context.svelte.js';
export { default as ContextProvider } from './ContextProvider.svelte';
export { default as MizanProvider } from './MizanProvider.svelte';
export { type MutationResult, useMutation } from './mutation.svelte.js';
