// The shape of what the code generator writes for a context `user` with
// members `user_profile` and `user_orders`, and a mutation `rename_user`.
import { defineComponent, h, type MaybeRefOrGetter } from 'vue';
import type { Order, Profile } from '../../../base/test/support/app.js';
import {
  ContextProvider,
  defineContext,
  type MutationOptions,
  useChannel,
  useContextState,
  useMember,
  useMutation,
  useSuspenseContext,
} from '../../src/index.js';

export type { Order, Profile };

export interface UserContextParams {
  user_id: number;
}

export interface UserContextData {
  user_orders: Order[];
  user_profile: Profile;
}

export interface RenameUserArgs {
  name: string;
  user_id: number;
}

const userContext = defineContext<UserContextParams, UserContextData>('user', 'UserContext');

export const UserContext = defineComponent(
  (params: UserContextParams, { slots }) => {
    return () => h(ContextProvider, { def: userContext, params }, slots);
  },
  { name: 'UserContext', props: ['user_id'] },
);

export function useUserContext() {
  return useContextState(userContext);
}

export function useSuspenseUserContext() {
  return useSuspenseContext(userContext);
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

export function useChatChannel(params: MaybeRefOrGetter<ChatChannelParams>) {
  return useChannel<ChatChannelParams, { text: string }, ChatMessage>('chat', params);
}
