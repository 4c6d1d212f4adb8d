// Hand-written: uses the generated fixture client the way an app would, so
// that `tsc` checks the generated types are the useful ones, not only that
// they compile. Lines marked `@ts-expect-error` must stay errors.

import { MizanClient, websocket } from '@mizan/base';
import { Suspense } from 'react';
import {
  type ChatMessage,
  createApi,
  type Item,
  type MizanApi,
  type Order,
  type Profile,
  type SumOutput,
  type UserContextData,
  type UserOutput,
} from '../../../../examples/afi-fixture/web/src/mizan/client';
import {
  MizanProvider,
  UserContext,
  useChatChannel,
  useCurrentUser,
  useFindItem,
  useMizan,
  useRenameUser,
  useSuspenseUserContext,
  useTouchUsers,
  useUserContext,
  useUserOrders,
  useUserProfile,
} from '../../../../examples/afi-fixture/web/src/mizan/react';

const api: MizanApi = createApi(new MizanClient({ baseUrl: '/api/mizan' }));
const { callAdd, callFindItem, callUploadFile, callWhoami, fetchGlobalContext, fetchUserContext, openChatChannel } = api;

export async function calls(file: File): Promise<void> {
  const sum: SumOutput = await callAdd({ a: 1, b: 2 });
  const item: Item | null = await callFindItem({ item_id: 1 });
  const me: UserOutput = await callWhoami();
  const data: UserContextData = await fetchUserContext({ user_id: 5 });
  const limited = await fetchUserContext({ user_id: 5, limit: 2 });
  const global = await fetchGlobalContext();
  const upload = await callUploadFile({ file, label: 'a' });
  // @ts-expect-error `b` is a required argument
  await callAdd({ a: 1 });
  // @ts-expect-error `user_id` is a required context parameter
  await fetchUserContext({});
  // @ts-expect-error `view` functions have no client function
  void api.callProfilePage;
  void [sum, item, me, data, limited.user_orders, global.current_user, upload.size];
}

export async function chat(): Promise<void> {
  const general = openChatChannel({ room: 'general' });
  const leave = general.join();
  await general.send({ text: 'hi' });
  const last: ChatMessage | undefined = general.getState().messages.at(-1);
  // @ts-expect-error a message is `{ text }`
  await general.send({ body: 'hi' });
  // @ts-expect-error `room` is a required param
  openChatChannel({});
  leave();
  void last;
}

function Chat() {
  const { status, messages, error, send } = useChatChannel({ room: 'general' });
  const texts: string[] = messages.map((m: ChatMessage) => `${m.author}: ${m.text}`);
  // @ts-expect-error `room` is a required param
  useChatChannel({});
  return (
    <button onClick={() => send({ text: 'hi' })} disabled={status !== 'joined'} title={error?.code}>
      {texts.join('\n')}
    </button>
  );
}

function ProfileCard() {
  const profile: Profile | undefined = useUserProfile();
  const orders: Order[] | undefined = useUserOrders();
  const state = useUserContext();
  const rename = useRenameUser({
    // A slot of the context the function affects, typed by it.
    optimistic: { user_profile: (profile, args) => ({ ...profile, name: args.name }) },
  });
  // @ts-expect-error `user_profile` is a `Profile`, not a string
  useRenameUser({ optimistic: { user_profile: () => 'bob' } });
  // @ts-expect-error `find_item` changes no context: no `optimistic`
  useFindItem({ optimistic: {} });
  const touch = useTouchUsers();
  const find = useFindItem();
  const user: UserOutput | undefined = useCurrentUser();
  const client = useMizan();
  const onClick = async () => {
    const renamed: Profile = await rename.mutate({ user_id: 5, name: 'bob' });
    await touch.mutate({});
    const found: Item | null = await find.mutate({ item_id: 1 });
    // @ts-expect-error `name` is missing
    await rename.mutate({ user_id: 5 });
    void [renamed, found, client];
  };
  return (
    <button onClick={onClick} disabled={rename.isPending || state.status === 'loading'}>
      {profile?.name} {orders?.length} {user?.email}
    </button>
  );
}

/** Suspends until the instance has data: never `undefined`. */
function Orders() {
  const data: UserContextData = useSuspenseUserContext();
  return <p>{data.user_orders.length}</p>;
}

const live = websocket();

export function App() {
  return (
    <MizanProvider config={{ baseUrl: '/api/mizan', live }}>
      <UserContext user_id={5} limit={3}>
        <ProfileCard />
        <Suspense fallback="…">
          <Orders />
        </Suspense>
      </UserContext>
      <Chat />
      {/* @ts-expect-error `user_id` is a required prop */}
      <UserContext>
        <ProfileCard />
      </UserContext>
    </MizanProvider>
  );
}
