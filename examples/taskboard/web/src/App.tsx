import { type MizanConfig, websocket } from '@mizan/base';
import { useEffect } from 'react';
import { ActivityFeed } from './Activity';
import { BoardLink, BoardView } from './Board';
import { Devtools } from './Devtools';
import { BoardContext, MizanProvider, useBoards, useCurrentUser, useGlobalContext, useTeam } from './mizan/react';
import { TaskPanel } from './TaskPanel';
import { Avatar, ErrorNote, href, type Route, useRoute } from './ui';

// Module-level: the provider re-configures the client only when a value changes.
// `live: websocket()` is all an app needs to go live.
const webConfig: MizanConfig = { baseUrl: '/api/mizan', live: websocket() };

/** What the server rendered the page with (`/board/{board_id}`); nothing for `/`. */
export interface PageProps {
  params?: { board_id?: string };
}

/** The whole UI; the desktop app (`desktop.tsx`) passes its own configuration: the Tauri transport. */
export function App({ params, config = webConfig }: PageProps & { config?: MizanConfig }) {
  const boardId = Number(params?.board_id);
  return (
    <MizanProvider config={config}>
      <Shell boardId={Number.isInteger(boardId) && boardId > 0 ? boardId : 1} />
    </MizanProvider>
  );
}

function Shell({ boardId }: { boardId: number }) {
  const route = useRoute(boardId);
  const { error } = useGlobalContext();
  const boards = useBoards();
  const board = boards?.find((b) => b.id === route.boardId);
  useEscapeCloses(route);
  return (
    <div className={route.taskId === null ? 'app' : 'app with-panel'}>
      <TopBar />
      <nav className="sidebar">
        <h2>Boards</h2>
        {boards?.map((b) => (
          <BoardLink key={b.id} board={b} active={b.id === route.boardId} />
        ))}
        <ErrorNote error={error} />
        <p className="hint">
          Drag a card to another column: it moves at once, and costs one request, which brings the board back with it. Rename a task: no request but the call.
          Open this page in a second window: what you do here shows up there, pushed by the server. The devtools below show every instance and what each
          request did.
        </p>
        <ActivityFeed boardId={route.boardId} />
      </nav>
      <main>
        <BoardView board={board} route={route} />
      </main>
      {route.taskId !== null && <TaskPanelInBoard key={route.taskId} boardId={route.boardId} taskId={route.taskId} />}
      <Devtools />
    </div>
  );
}

/** Escape closes the open task. */
function useEscapeCloses(route: Route) {
  useEffect(() => {
    if (route.taskId === null) return undefined;
    const close = (e: KeyboardEvent) => {
      if (e.key === 'Escape') location.hash = href({ boardId: route.boardId, taskId: null });
    };
    window.addEventListener('keydown', close);
    return () => window.removeEventListener('keydown', close);
  }, [route.boardId, route.taskId]);
}

/** The panel reads its card from the board, so it sits in the same board instance. */
function TaskPanelInBoard({ boardId, taskId }: { boardId: number; taskId: number }) {
  return (
    <BoardContext board_id={boardId}>
      <TaskPanel boardId={boardId} taskId={taskId} />
    </BoardContext>
  );
}

function TopBar() {
  const me = useCurrentUser();
  const team = useTeam() ?? [];
  return (
    <header className="topbar">
      <span className="logo">
        ▦ Taskboard <span className="muted">· a Mizan demo</span>
      </span>
      <span className="team">
        {team.map((m) => (
          <Avatar key={m.id} member={m} />
        ))}
      </span>
      <span className="me" data-testid="current-user">
        {me ? `Signed in as ${me.name}` : '…'}
      </span>
    </header>
  );
}
