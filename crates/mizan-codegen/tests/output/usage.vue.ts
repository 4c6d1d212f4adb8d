// Hand-written: uses the generated fixture client's vue target the way an
// app would, so that vue-tsc checks the generated types are the useful ones.
// Lines marked `@ts-expect-error` must stay errors.

import { websocket } from '@mizan/base';
import { defineComponent, h, ref } from 'vue';
import type { ChatMessage, Item, Order, Profile, UserOutput } from '../../../../examples/afi-fixture/web/src/mizan/client';
import {
  MizanProvider,
  UserContext,
  useChatChannel,
  useCurrentUser,
  useFindItem,
  useRenameUser,
  useUserContext,
  useUserOrders,
  useUserProfile,
} from '../../../../examples/afi-fixture/web/src/mizan/vue';

export const ProfileCard = defineComponent(() => {
  const profile = useUserProfile();
  const orders = useUserOrders();
  const state = useUserContext();
  const { mutate: rename, isPending } = useRenameUser();
  const find = useFindItem();
  const user = useCurrentUser();
  const onClick = async () => {
    const renamed: Profile = await rename({ user_id: 5, name: 'bob' });
    const found: Item | null = await find.mutate({ item_id: 1 });
    // @ts-expect-error `name` is missing
    await rename({ user_id: 5 });
    void [renamed, found];
  };
  return () => {
    const p: Profile | undefined = profile.value;
    const o: Order[] | undefined = orders.value;
    const u: UserOutput | undefined = user.value;
    const disabled: boolean = isPending.value || state.value.status === 'loading';
    return h('button', { onClick, disabled }, `${p?.name} ${o?.length} ${u?.email}`);
  };
});

export const Chat = defineComponent(() => {
  const room = ref('general');
  const { status, messages, error, send } = useChatChannel(() => ({ room: room.value }));
  useChatChannel({ room: 'static' });
  // @ts-expect-error `room` is a required param
  useChatChannel({});
  return () => {
    const texts: string[] = messages.value.map((m: ChatMessage) => `${m.author}: ${m.text}`);
    const disabled: boolean = status.value !== 'joined';
    // @ts-expect-error a message is `{ text }`
    const wrong = () => send({ body: 'hi' });
    void wrong;
    return h('button', { onClick: () => send({ text: 'hi' }), disabled, title: error.value?.code }, texts.join('\n'));
  };
});

export const App = defineComponent(() => () =>
  h(MizanProvider, { config: { baseUrl: '/api/mizan', live: websocket() } }, () => [
    h(UserContext, { user_id: 5, limit: 3 }, () => h(ProfileCard)),
    h(Chat),
    // @ts-expect-error `user_id` is a required prop
    h(UserContext, { limit: 3 }, () => h(ProfileCard)),
  ]),
);
