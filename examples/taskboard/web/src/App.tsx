import type { MizanConfig } from '@mizan/base';
import { ActivityFeed } from './Activity';
import { BoardLink, BoardView } from './Board';
import { BoardContext, MizanProvider, useBoards, useCurrentUser, useGlobalContext, useTeam } from './mizan/react';
import { NetworkLog } from './NetworkLog';
import { loggedFetch, loggedSocket } from './netlog';
import { TaskPanel } from './TaskPanel';
import { Avatar, ErrorNote, useRoute } from './ui';

// Module-level: the provider re-configures the client only when a value changes.
// `live: true` is all an app needs to go live; the demo passes its own socket
// (and fetch) only to show every frame in the network log.
const webConfig: MizanConfig = { baseUrl: '/api/mizan', fetch: loggedFetch, live: { socket: loggedSocket } };

/** The whole UI; the desktop app (`desktop.tsx`) passes its own configuration: the Tauri transport. */
export function App({ config = webConfig }: { config?: MizanConfig }) {
  return (
    <MizanProvider config={config}>
      <Shell />
    </MizanProvider>
  );
}

function Shell() {
  const route = useRoute();
  const { error } = useGlobalContext();
  const boards = useBoards();
  const board = boards?.find((b) => b.id === route.boardId);
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
          Open a task and move it: only that board refetches, in one request. Rename it: the card changes with no request at all. Open this page in a second
          window: what you do here shows up there, pushed by the server.
        </p>
        <ActivityFeed boardId={route.boardId} />
      </nav>
      <main>
        <BoardView board={board} route={route} />
      </main>
      {route.taskId !== null && <TaskPanelInBoard boardId={route.boardId} taskId={route.taskId} />}
      <NetworkLog />
    </div>
  );
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
