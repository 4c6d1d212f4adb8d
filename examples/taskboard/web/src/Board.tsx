import type { MizanError } from '@mizan/base';
import { type DragEvent, type FormEvent, useState } from 'react';
import type { BoardInfo, Column, TaskCard } from './mizan/client';
import { BoardContext, useAddTask, useBoardColumns, useBoardContext, useBoardTasks } from './mizan/react';
import { useMoves } from './moves';
import { Avatar, ErrorNote, href, useMember, type Route } from './ui';

/** The drag's payload type: a card's id. */
const CARD = 'application/x-taskboard-card';

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
        <BoardBody board={board} route={route} />
      </section>
    </BoardContext>
  );
}

function BoardBody({ board, route }: { board: BoardInfo | undefined; route: Route }) {
  const { status, error } = useBoardContext();
  if (error?.code === 'NOT_FOUND') {
    // Nothing to add a task to: say so, and offer the way back.
    return (
      <div className="missing" data-testid="board-missing">
        <h1>This board does not exist</h1>
        <ErrorNote error={error} />
        <a className="button" href={href({ boardId: 1, taskId: null })}>
          Go to the first board
        </a>
      </div>
    );
  }
  return (
    <>
      <header className="board-header">
        <div>
          <h1>{board?.name ?? `Board ${route.boardId}`}</h1>
          {board && <p className="muted">{board.description}</p>}
        </div>
        {status === 'success' && <AddTaskForm boardId={route.boardId} />}
      </header>
      <Columns route={route} />
    </>
  );
}

function Columns({ route }: { route: Route }) {
  const { status, error } = useBoardContext();
  const columns = useBoardColumns();
  const tasks = useBoardTasks();
  const moves = useMoves();
  if (status === 'error' && !columns) return <ErrorNote error={error} />;
  if (!columns || !tasks) return <p className="muted">Loading the board…</p>;
  return (
    <div className="columns">
      {columns.map((column) => (
        <ColumnView
          key={column.id}
          column={column}
          tasks={tasks.filter((t) => t.column === column.id)}
          route={route}
          onDrop={(taskId) => {
            const card = tasks.find((t) => t.id === taskId);
            if (card) moves.moveCard(card, column.id);
          }}
          errorOf={moves.errorOf}
          dismiss={moves.forget}
        />
      ))}
    </div>
  );
}

interface ColumnProps {
  column: Column;
  tasks: TaskCard[];
  route: Route;
  onDrop(taskId: number): void;
  errorOf(taskId: number): MizanError | null;
  dismiss(taskId: number): void;
}

function ColumnView({ column, tasks, route, onDrop, errorOf, dismiss }: ColumnProps) {
  const [over, setOver] = useState(false);
  const accepts = (e: DragEvent) => e.dataTransfer.types.includes(CARD);
  return (
    <div
      className={over ? 'column drop-target' : 'column'}
      data-testid={`column-${column.id}`}
      onDragOver={(e) => {
        if (!accepts(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        setOver(false);
        if (!accepts(e)) return;
        e.preventDefault();
        onDrop(Number(e.dataTransfer.getData(CARD)));
      }}
    >
      <h2>
        {column.title} <span className="count">{tasks.length}</span>
      </h2>
      {tasks.map((task) => (
        <Card key={task.id} task={task} selected={route.taskId === task.id} error={errorOf(task.id)} dismiss={() => dismiss(task.id)} />
      ))}
    </div>
  );
}

function Card({ task, selected, error, dismiss }: { task: TaskCard; selected: boolean; error: MizanError | null; dismiss(): void }) {
  const assignee = useMember(task.assignee_id);
  return (
    <div className={['card', selected && 'selected', error && 'failed'].filter(Boolean).join(' ')} data-testid={`card-${task.id}`}>
      <a
        className="card-link"
        href={href({ boardId: task.board_id, taskId: task.id })}
        draggable
        onDragStart={(e) => {
          e.dataTransfer.setData(CARD, String(task.id));
          e.dataTransfer.effectAllowed = 'move';
        }}
        data-testid={`card-link-${task.id}`}
      >
        <span className="card-title">{task.title}</span>
        <span className="card-footer">
          <span className="muted">#{task.id}</span>
          <Avatar member={assignee} size="sm" />
        </span>
      </a>
      <ErrorNote error={error} field="column" onDismiss={dismiss} />
    </div>
  );
}

function AddTaskForm({ boardId }: { boardId: number }) {
  const [title, setTitle] = useState('');
  const addTask = useAddTask();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    addTask.mutate({ board_id: boardId, title }).then(
      () => setTitle(''),
      () => undefined, // shown next to the field, from addTask.error
    );
  };
  return (
    <form className="add-task" onSubmit={submit}>
      <input
        value={title}
        onChange={(e) => {
          setTitle(e.target.value);
          if (addTask.error) addTask.reset(); // the message was about what was there before
        }}
        placeholder="New task…"
        aria-label="New task title"
        aria-invalid={addTask.error ? true : undefined}
        data-testid="add-task-input"
      />
      <button type="submit" data-testid="add-task-submit">
        Add
      </button>
      <ErrorNote error={addTask.error} field="title" />
    </form>
  );
}
