import { type FormEvent, useState } from 'react';
import type { BoardInfo, Column, TaskCard } from './mizan/client';
import { BoardContext, useAddTask, useBoardColumns, useBoardContext, useBoardTasks } from './mizan/react';
import { Avatar, ErrorNote, href, useMember, type Route } from './ui';

/**
 * A board in the sidebar: its own `<BoardContext>`, the same instance as the
 * main view's when it is the open board, so one fetch serves both.
 */
export function BoardLink({ board, active }: { board: BoardInfo; active: boolean }) {
  return (
    <BoardContext board_id={board.id}>
      <a className={active ? 'board-link active' : 'board-link'} href={href({ boardId: board.id, taskId: null })} data-testid={`board-link-${board.id}`}>
        <span className="board-link-name">{board.name}</span>
        <Progress boardId={board.id} />
      </a>
    </BoardContext>
  );
}

function Progress({ boardId }: { boardId: number }) {
  const columns = useBoardColumns();
  const tasks = useBoardTasks();
  const { isFetching } = useBoardContext();
  if (!columns || !tasks) return <span className="progress-text">…</span>;
  const last = columns[columns.length - 1]?.id;
  const done = tasks.filter((t) => t.column === last).length;
  return (
    <>
      <span className="progress-bar">
        <span style={{ width: `${tasks.length ? (100 * done) / tasks.length : 0}%` }} />
      </span>
      <span className="progress-text" data-testid={`board-progress-${boardId}`}>
        {done} of {tasks.length} done
        {isFetching && <span className="dot" title="refetching" />}
      </span>
    </>
  );
}

export function BoardView({ board, route }: { board: BoardInfo | undefined; route: Route }) {
  return (
    <BoardContext board_id={route.boardId}>
      <section className="board" data-testid="board">
        <header className="board-header">
          <div>
            <h1>{board?.name ?? `Board ${route.boardId}`}</h1>
            {board && <p className="muted">{board.description}</p>}
          </div>
          <AddTaskForm boardId={route.boardId} />
        </header>
        <Columns route={route} />
      </section>
    </BoardContext>
  );
}

function Columns({ route }: { route: Route }) {
  const { status, error, isFetching } = useBoardContext();
  const columns = useBoardColumns();
  const tasks = useBoardTasks();
  if (status === 'error' && !columns) return <ErrorNote error={error} />;
  if (!columns || !tasks) return <p className="muted">Loading the board…</p>;
  return (
    <div className={isFetching ? 'columns refetching' : 'columns'}>
      {columns.map((column) => (
        <ColumnView key={column.id} column={column} tasks={tasks.filter((t) => t.column === column.id)} route={route} />
      ))}
    </div>
  );
}

function ColumnView({ column, tasks, route }: { column: Column; tasks: TaskCard[]; route: Route }) {
  return (
    <div className="column" data-testid={`column-${column.id}`}>
      <h2>
        {column.title} <span className="count">{tasks.length}</span>
      </h2>
      {tasks.map((task) => (
        <Card key={task.id} task={task} selected={route.taskId === task.id} />
      ))}
    </div>
  );
}

function Card({ task, selected }: { task: TaskCard; selected: boolean }) {
  const assignee = useMember(task.assignee_id);
  return (
    <a className={selected ? 'card selected' : 'card'} href={href({ boardId: task.board_id, taskId: task.id })} data-testid={`card-${task.id}`}>
      <span className="card-title">{task.title}</span>
      <span className="card-footer">
        <span className="muted">#{task.id}</span>
        <Avatar member={assignee} size="sm" />
      </span>
    </a>
  );
}

function AddTaskForm({ boardId }: { boardId: number }) {
  const [title, setTitle] = useState('');
  const addTask = useAddTask();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    addTask.mutate({ board_id: boardId, title }).then(
      () => setTitle(''),
      () => undefined, // shown from addTask.error
    );
  };
  return (
    <form className="add-task" onSubmit={submit}>
      <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="New task…" aria-label="New task title" data-testid="add-task-input" />
      <button type="submit" disabled={addTask.isPending} data-testid="add-task-submit">
        Add
      </button>
      <ErrorNote error={addTask.error} field="title" />
    </form>
  );
}
