// A page as an app writes it, on generated-style hooks: its own provider
// with its config, a context provider, members read by hooks.
import { websocket } from '@mizan/base';
import { ContextProvider, defineContext, MizanProvider, useContextState, useMember } from '@mizan/react';
import { Suspense, use } from 'react';

interface Task {
  id: number;
  title: string;
}
const board = defineContext<{ board_id: number }, { board_tasks: Task[]; board_name: string }>('board', 'BoardContext');

function Tasks() {
  const tasks = useMember(board, 'board_tasks');
  const name = useMember(board, 'board_name');
  const { status } = useContextState(board);
  return (
    <section data-status={status}>
      <h1>{name ?? '…'}</h1>
      <ul>{tasks?.map((t) => <li key={t.id}>{t.title}</li>) ?? <li>Loading…</li>}</ul>
    </section>
  );
}

export function Board({ boardId, others = [] }: { boardId: number; others?: number[] }) {
  return (
    <MizanProvider config={{ baseUrl: '/api/mizan', live: websocket() }}>
      <ContextProvider def={board} params={{ board_id: boardId }}>
        <Tasks />
      </ContextProvider>
      {others.map((id) => (
        <ContextProvider key={id} def={board} params={{ board_id: id }}>
          <Tasks />
        </ContextProvider>
      ))}
    </MizanProvider>
  );
}

/** Streams: the shell first, the boundary when its promise resolves. */
export function Slow({ release }: { release: Promise<string> }) {
  return (
    <main>
      <p>shell</p>
      <Suspense fallback={<p>waiting</p>}>
        <Late release={release} />
      </Suspense>
    </main>
  );
}

function Late({ release }: { release: Promise<string> }) {
  return <p>{use(release)}</p>;
}

export function Throws(): never {
  throw new Error('the component broke');
}
