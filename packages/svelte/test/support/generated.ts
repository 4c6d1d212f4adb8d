// The shape of what the code generator writes for a context `user` with
// members `user_profile` and `user_orders`, and a mutation `rename_user`.
import { type MutationOptions, useChannel, useContextState, useMember, useMutation } from '../../src/index.js';
import type { Profile, RenameUserArgs, UserContextData } from './types.js';
import UserContext, { userContext } from './UserContext.svelte';

export { UserContext };

export function useUserContext() {
  return useContextState(userContext);
}

export function useUserProfile() {
  return useMember(userContext, 'user_profile');
}

export function useUserOrders() {
  return useMember(userContext, 'user_orders');
}

export function useRenameUser(options?: MutationOptions<RenameUserArgs, UserContextData>) {
  return useMutation<RenameUserArgs, Profile, UserContextData>('rename_user', { affects: ['user'] }, options);
}

export interface ChatChannelParams {
  room: string;
}

export interface ChatMessage {
  author: string;
  text: string;
}

export function useChatChannel(params: ChatChannelParams | (() => ChatChannelParams)) {
  return useChannel<ChatChannelParams, { text: string }, ChatMessage>('chat', params);
}
