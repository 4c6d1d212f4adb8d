// The shape of what the code generator writes for a context `user` with
// members `user_profile` and `user_orders`, and a mutation `rename_user`.
import type { ReactNode } from 'react';
import type { Order, Profile } from '../../../base/test/support/app.js';
import {
  type ContextState,
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

export function UserContext(props: UserContextParams & { children?: ReactNode }) {
  const { children, ...params } = props;
  return (
    <ContextProvider def={userContext} params={params}>
      {children}
    </ContextProvider>
  );
}

export function useUserContext(): ContextState<UserContextData> {
  return useContextState(userContext);
}

export function useSuspenseUserContext(): UserContextData {
  return useSuspenseContext(userContext);
}

export function useUserProfile(): Profile | undefined {
  return useMember(userContext, 'user_profile');
}

export function useUserOrders(): Order[] | undefined {
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

export function useChatChannel(params: ChatChannelParams) {
  return useChannel<ChatChannelParams, { text: string }, ChatMessage>('chat', params);
}
