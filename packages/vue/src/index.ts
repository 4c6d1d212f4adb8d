export type { ContextState } from '@mizan/base';
export { type ContextDef, ContextProvider, defineContext, useContextState, useMember } from './context.js';
export { type MutationResult, useMutation } from './mutation.js';
export { MizanProvider, mizanProviderProps, useMizan } from './provider.js';
