/**
 * A test page for the conformance fixture: every section is a component on
 * the client generated from the fixture's IR, wired the way an app would be.
 * The browser suite (tests/browser) drives it and counts requests.
 */
import { MizanError } from '@mizan/base';
import { useState } from 'react';
import { pageConfig } from '../config';
import { createApi } from '../mizan/client';
import {
  ItemsContext,
  MizanProvider,
  SearchContext,
  UserContext,
  useBumpSearch,
  useBuggyFn,
  useChatChannel,
  useCurrentUser,
  useMizan,
  useItemsList,
  useMultiply,
  useNotImplementedFn,
  useRenameProfile,
  useRenameUser,
  useSearchContext,
  useSearchResults,
  useSetItemName,
  useTouchUsers,
  useUserContext,
  useUserOrders,
  useUserProfile,
  useWhoami,
} from '../mizan/react';

const config = pageConfig();

export function App() {
  return (
    <MizanProvider config={config}>
      <h1>Mizan fixture · client test page</h1>
      <CurrentUser />
      <div className="grid">
        <section>
          <h2>
            <code>user</code>: two instances
          </h2>
          <UserContext user_id={1}>
            <UserCard userId={1} />
          </UserContext>
          <UserContext user_id={2}>
            <UserCard userId={2} />
          </UserContext>
          <MissingUser />
        </section>
        <ToggledUser />
        <UserActions />
        <section>
          <h2>
            <code>items</code>: merge (upsert)
          </h2>
          <ItemsContext>
            <Items />
          </ItemsContext>
        </section>
        <section>
          <h2>
            <code>search</code>: scoped by <code>q</code>
          </h2>
          <SearchContext q="o">
            <Search id="o" q="o" />
          </SearchContext>
          <SearchContext q="a b;c">
            <Search id="special" q="a b;c" />
          </SearchContext>
          <SearchActions />
        </section>
        <Rpc />
        <Errors />
        <Chat />
      </div>
    </MizanProvider>
  );
}

function CurrentUser() {
  const me = useCurrentUser();
  return (
    <p className="me" data-testid="current-user">
      {me ? `${me.email} (${me.authenticated ? 'signed in' : 'anonymous'})` : '…'}
    </p>
  );
}

/** Two members (`user_profile`, `user_orders`) of one instance: one request. */
function UserCard({ userId }: { userId: number }) {
  const { status, error, isFetching } = useUserContext();
  const profile = useUserProfile();
  const orders = useUserOrders();
  return (
    <div className="card" data-testid={`user-${userId}`} data-fetching={isFetching}>
      <b data-testid={`user-${userId}-name`}>{profile?.name ?? '…'}</b>
      <span data-testid={`user-${userId}-orders`}>{orders ? `${orders.length} orders` : '…'}</span>
      <span className="muted">{status}</span>
      <ErrorNote error={error} testId={`user-${userId}-error`} />
    </div>
  );
}

/** An instance the server answers with NOT_FOUND, mounted on demand. */
function MissingUser() {
  const [shown, setShown] = useState(false);
  if (!shown) {
    return (
      <button type="button" onClick={() => setShown(true)} data-testid="mount-user-99">
        Mount user 99 (does not exist)
      </button>
    );
  }
  return (
    <UserContext user_id={99}>
      <UserCard userId={99} />
    </UserContext>
  );
}

/** A provider unmounted and remounted: the kernel's gc decides whether its instance is reused. */
function ToggledUser() {
  const [shown, setShown] = useState(false);
  return (
    <section>
      <h2>
        <code>user</code>: unmount and remount
      </h2>
      <button type="button" onClick={() => setShown(!shown)} data-testid="toggle-user-3">
        {shown ? 'Unmount' : 'Mount'} user 3
      </button>
      {shown && (
        <UserContext user_id={3}>
          <UserCard userId={3} />
        </UserContext>
      )}
    </section>
  );
}

/** Mutations called from outside the contexts they change. */
function UserActions() {
  const [name, setName] = useState('');
  const [userId, setUserId] = useState(1);
  const renameUser = useRenameUser();
  const renameProfile = useRenameProfile();
  const touch = useTouchUsers();
  const ignore = () => undefined; // errors are rendered from the hooks' state
  return (
    <section>
      <h2>Mutations</h2>
      <label>
        user_id <input type="number" value={userId} onChange={(e) => setUserId(Number(e.target.value))} data-testid="rename-user-id" />
      </label>
      <label>
        name <input value={name} onChange={(e) => setName(e.target.value)} data-testid="rename-name" />
      </label>
      <div className="buttons">
        <button type="button" onClick={() => renameUser.mutate({ user_id: userId, name }).catch(ignore)} data-testid="rename-user">
          rename_user <span className="muted">affects user</span>
        </button>
        <button type="button" onClick={() => renameProfile.mutate({ user_id: userId, name }).catch(ignore)} data-testid="rename-profile">
          rename_profile <span className="muted">merge user</span>
        </button>
        <button type="button" onClick={() => touch.mutate({}).catch(ignore)} data-testid="touch-users">
          touch_users <span className="muted">broad</span>
        </button>
      </div>
      <Done state={renameUser} testId="rename-user-done" />
      <Done state={renameProfile} testId="rename-profile-done" />
      <Done state={touch} testId="touch-users-done" />
    </section>
  );
}

function Items() {
  const items = useItemsList();
  const setItem = useSetItemName();
  const [name, setName] = useState('');
  const nextId = Math.max(0, ...(items ?? []).map((i) => i.id)) + 1;
  return (
    <>
      <ul data-testid="items">
        {items?.map((i) => (
          <li key={i.id} data-testid={`item-${i.id}`}>
            {i.id}: {i.name}
          </li>
        ))}
      </ul>
      <input value={name} onChange={(e) => setName(e.target.value)} data-testid="item-name" />
      <div className="buttons">
        <button type="button" onClick={() => setItem.mutate({ id: 1, name }).catch(() => undefined)} data-testid="set-item-1">
          set_item_name(1)
        </button>
        <button type="button" onClick={() => setItem.mutate({ id: nextId, name }).catch(() => undefined)} data-testid="add-item">
          set_item_name({nextId})
        </button>
      </div>
      <Done state={setItem} testId="set-item-done" />
    </>
  );
}

function Search({ id, q }: { id: string; q: string }) {
  const { isFetching } = useSearchContext();
  const results = useSearchResults();
  return (
    <div className="card" data-testid={`search-${id}`} data-fetching={isFetching}>
      <code>q={JSON.stringify(q)}</code>
      <span data-testid={`search-${id}-count`}>{results ? `${results.length} results` : '…'}</span>
      <span className="muted">{results?.map((r) => r.name).join(', ')}</span>
    </div>
  );
}

function SearchActions() {
  const bump = useBumpSearch();
  return (
    <div className="buttons">
      <button type="button" onClick={() => bump.mutate({ q: 'o' }).catch(() => undefined)} data-testid="bump-o">
        bump_search(&quot;o&quot;)
      </button>
      <button type="button" onClick={() => bump.mutate({ q: 'a b;c' }).catch(() => undefined)} data-testid="bump-special">
        bump_search(&quot;a b;c&quot;)
      </button>
      <Done state={bump} testId="bump-done" />
    </div>
  );
}

/** The `ts` target's plain functions, outside React's hooks, bound to the provider's client. */
function Rpc() {
  const { callEcho } = createApi(useMizan());
  const [text, setText] = useState('');
  const [reply, setReply] = useState<string | null>(null);
  return (
    <section>
      <h2>
        RPC through <code>callEcho</code>
      </h2>
      <input value={text} onChange={(e) => setText(e.target.value)} data-testid="echo-text" />
      <button type="button" onClick={() => callEcho({ text }).then((r) => setReply(r.message), (e: MizanError) => setReply(e.code))} data-testid="echo">
        echo
      </button>
      <p data-testid="echo-reply">{reply}</p>
    </section>
  );
}

/** The `chat` channel (`?live=1`): every page in the room sees every message, its own included. */
function Chat() {
  const [text, setText] = useState('');
  const chat = useChatChannel({ room: 'general' });
  return (
    <section>
      <h2>
        <code>chat</code>: a channel
      </h2>
      <p data-testid="chat-status">
        {chat.status}
        {chat.error && `: ${chat.error.code}`}
      </p>
      <ul data-testid="chat-messages">
        {chat.messages.map((m, i) => (
          <li key={i}>
            {m.author}: {m.text}
          </li>
        ))}
      </ul>
      <input value={text} onChange={(e) => setText(e.target.value)} data-testid="chat-text" />
      <button type="button" onClick={() => chat.send({ text }).catch(() => undefined)} data-testid="chat-send">
        send
      </button>
    </section>
  );
}

/** Each error of PROTOCOL.md §1.4 the fixture can produce, as a typed `MizanError`. */
function Errors() {
  const multiply = useMultiply();
  const whoami = useWhoami();
  const notImplemented = useNotImplementedFn();
  const buggy = useBuggyFn();
  const ignore = () => undefined;
  return (
    <section>
      <h2>Errors</h2>
      <div className="buttons">
        <button type="button" onClick={() => multiply.mutate({ a: 2 ** 40, b: 2 ** 40 }).catch(ignore)} data-testid="err-validation">
          multiply(2⁴⁰, 2⁴⁰)
        </button>
        <button type="button" onClick={() => whoami.mutate({}).catch(ignore)} data-testid="err-unauthorized">
          whoami
        </button>
        <button type="button" onClick={() => notImplemented.mutate({}).catch(ignore)} data-testid="err-not-implemented">
          not_implemented_fn
        </button>
        <button type="button" onClick={() => buggy.mutate({}).catch(ignore)} data-testid="err-internal">
          buggy_fn
        </button>
      </div>
      <ErrorNote error={multiply.error} testId="err-validation-out" field="b" />
      <ErrorNote error={whoami.error} testId="err-unauthorized-out" />
      <ErrorNote error={notImplemented.error} testId="err-not-implemented-out" />
      <ErrorNote error={buggy.error} testId="err-internal-out" />
    </section>
  );
}

function ErrorNote({ error, testId, field }: { error: MizanError | null; testId: string; field?: string }) {
  if (!error) return null;
  const fields = field ? error.fieldErrors(field) : [];
  return (
    <p className="error" data-testid={testId} data-code={error.code} data-status={error.status} data-typed={String(error instanceof MizanError)}>
      <code>{error.code}</code> {error.status} {fields.length > 0 ? `${field}: ${fields.join(' ')}` : error.message}
    </p>
  );
}

/** Marks a settled mutation, so a test can wait for the call (not guess). */
function Done({ state, testId }: { state: { isPending: boolean; data: unknown; error: MizanError | null }; testId: string }) {
  if (state.isPending || (state.data === undefined && !state.error)) return null;
  return (
    <p className="muted" data-testid={testId}>
      {state.error ? `failed: ${state.error.code}` : 'done'}
    </p>
  );
}
