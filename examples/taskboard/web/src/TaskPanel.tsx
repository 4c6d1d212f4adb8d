import { type FormEvent, useState } from 'react';
import type { TaskCard } from './mizan/client';
import {
  TaskContext,
  useAddComment,
  useBoardColumns,
  useBoardTasks,
  useCompleteTask,
  useEditDescription,
  useMoveTask,
  useRenameTask,
  useTaskComments,
  useTaskContext,
  useTaskDetail,
} from './mizan/react';
import { Avatar, ErrorNote, href, useMember } from './ui';

/**
 * The open task. Its card (title, column) comes from the board's context,
 * everything else from its own `<TaskContext>`: both members in one request.
 */
export function TaskPanel({ boardId, taskId }: { boardId: number; taskId: number }) {
  const card = useBoardTasks()?.find((t) => t.id === taskId);
  return (
    <aside className="panel" data-testid="task-panel">
      <a className="panel-close" href={href({ boardId, taskId: null })} aria-label="Close">
        ×
      </a>
      {card ? <CardHeader card={card} /> : <p className="muted">Task #{taskId}</p>}
      <TaskContext task_id={taskId}>
        <TaskBody taskId={taskId} />
      </TaskContext>
    </aside>
  );
}

function CardHeader({ card }: { card: TaskCard }) {
  const columns = useBoardColumns() ?? [];
  const rename = useRenameTask();
  const move = useMoveTask();
  const complete = useCompleteTask();
  const [draft, setDraft] = useState<string | null>(null);
  const ids = { board_id: card.board_id, task_id: card.id };
  const done = columns[columns.length - 1]?.id;
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (draft === null) return;
    rename.mutate({ ...ids, title: draft }).then(
      () => setDraft(null),
      () => undefined,
    );
  };
  return (
    <div className="panel-head">
      {draft === null ? (
        <h2 className="panel-title" data-testid="task-title">
          {card.title}
          <button type="button" className="link" onClick={() => setDraft(card.title)} data-testid="rename">
            Rename
          </button>
        </h2>
      ) : (
        <form className="rename" onSubmit={save}>
          <input value={draft} onChange={(e) => setDraft(e.target.value)} aria-label="Title" data-testid="rename-input" autoFocus />
          <button type="submit" disabled={rename.isPending} data-testid="rename-save">
            Save
          </button>
          <button type="button" className="link" onClick={() => setDraft(null)}>
            Cancel
          </button>
        </form>
      )}
      <ErrorNote error={rename.error} field="title" />
      <div className="segmented" role="group" aria-label="Column">
        {columns.map((c) => (
          <button
            key={c.id}
            type="button"
            aria-pressed={c.id === card.column}
            disabled={move.isPending || c.id === card.column}
            onClick={() => move.mutate({ ...ids, column: c.id }).catch(() => undefined)}
            data-testid={`move-${c.id}`}
          >
            {c.title}
          </button>
        ))}
      </div>
      <ErrorNote error={move.error} />
      <button
        type="button"
        className="primary"
        disabled={complete.isPending || card.column === done}
        onClick={() => complete.mutate(ids).catch(() => undefined)}
        data-testid="complete"
      >
        {card.column === done ? '✓ Done' : 'Mark done'}
      </button>
      <ErrorNote error={complete.error} />
    </div>
  );
}

function TaskBody({ taskId }: { taskId: number }) {
  const { status, error } = useTaskContext();
  const detail = useTaskDetail();
  const comments = useTaskComments();
  const reporter = useMember(detail?.reporter_id);
  if (status === 'error' && !detail) return <ErrorNote error={error} />;
  if (!detail || !comments) return <p className="muted">Loading…</p>;
  return (
    <div data-testid="task-body">
      <p className="meta">
        Filed by <Avatar member={reporter} size="sm" /> {reporter?.name ?? '…'}
        {detail.labels.map((l) => (
          <span key={l} className="label">
            {l}
          </span>
        ))}
      </p>
      <Description taskId={taskId} text={detail.description} />
      <h3>
        Activity <span className="count" data-testid="comment-count">{comments.length}</span>
      </h3>
      <ol className="comments" data-testid="comments">
        {comments.map((c) => (
          <CommentItem key={c.id} authorId={c.author_id} body={c.body} activity={c.kind === 'activity'} />
        ))}
      </ol>
      <CommentForm taskId={taskId} />
    </div>
  );
}

function Description({ taskId, text }: { taskId: number; text: string }) {
  const edit = useEditDescription();
  const [draft, setDraft] = useState<string | null>(null);
  if (draft === null) {
    return (
      <div className="description">
        <p data-testid="description">{text || <span className="muted">No description.</span>}</p>
        <button type="button" className="link" onClick={() => setDraft(text)} data-testid="edit-description">
          Edit
        </button>
      </div>
    );
  }
  const save = (e: FormEvent) => {
    e.preventDefault();
    edit.mutate({ task_id: taskId, description: draft }).then(
      () => setDraft(null),
      () => undefined,
    );
  };
  return (
    <form className="description" onSubmit={save}>
      <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={3} aria-label="Description" data-testid="description-input" />
      <button type="submit" disabled={edit.isPending} data-testid="description-save">
        Save
      </button>
      <ErrorNote error={edit.error} />
    </form>
  );
}

function CommentItem({ authorId, body, activity }: { authorId: number; body: string; activity: boolean }) {
  const author = useMember(authorId);
  return (
    <li className={activity ? 'comment activity' : 'comment'}>
      <Avatar member={author} size="sm" />
      <span>
        <b>{author?.name ?? '…'}</b> {activity ? body : <span className="comment-body">{body}</span>}
      </span>
    </li>
  );
}

function CommentForm({ taskId }: { taskId: number }) {
  const [body, setBody] = useState('');
  const add = useAddComment();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ task_id: taskId, body }).then(
      () => setBody(''),
      () => undefined,
    );
  };
  return (
    <form className="comment-form" onSubmit={submit}>
      <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={2} placeholder="Write a comment…" aria-label="Comment" data-testid="comment-input" />
      <button type="submit" disabled={add.isPending} data-testid="comment-submit">
        Comment
      </button>
      <ErrorNote error={add.error} field="body" />
    </form>
  );
}
