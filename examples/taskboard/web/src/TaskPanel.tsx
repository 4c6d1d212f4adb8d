import { type FormEvent, useState } from 'react';
import type { TaskCard } from './mizan/client';
import {
  TaskContext,
  useAddComment,
  useBoardColumns,
  useBoardTasks,
  useCompleteTask,
  useEditDescription,
  useRenameTask,
  useTaskComments,
  useTaskContext,
  useTaskDetail,
} from './mizan/react';
import { useMoves } from './moves';
import { Avatar, ErrorNote, href, useMember } from './ui';

/**
 * The open task. Its card (title, column) comes from the board's context,
 * everything else from its own `<TaskContext>`: both members in one request.
 * The app mounts one per task (`key`): what was typed, and any error, stays
 * with the task it belongs to.
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
  const done = columns[columns.length - 1]?.id;
  const onCard = (update: (t: TaskCard) => TaskCard) => (tasks: TaskCard[]) => tasks.map((t) => (t.id === card.id ? update(t) : t));
  // Shown at once; the server's card (merged, or refreshed with the reply) replaces them.
  const rename = useRenameTask({ optimistic: { board_tasks: (tasks, { title }) => onCard((t) => ({ ...t, title: title.trim() || t.title }))(tasks) } });
  const moves = useMoves();
  const complete = useCompleteTask({ optimistic: { board_tasks: (tasks) => onCard((t) => ({ ...t, column: done ?? t.column }))(tasks) } });
  const [draft, setDraft] = useState<string | null>(null);
  const ids = { board_id: card.board_id, task_id: card.id };
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (draft === null) return;
    // Closed at once (the new title shows, optimistic); opened again with what was typed if it fails.
    setDraft(null);
    rename.mutate({ ...ids, title: draft }).catch(() => setDraft(draft));
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
          <input
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              if (rename.error) rename.reset(); // the message was about what was there before
            }}
            aria-label="Title"
            aria-invalid={rename.error ? true : undefined}
            data-testid="rename-input"
            autoFocus
          />
          <button type="submit" data-testid="rename-save">
            Save
          </button>
          <button
            type="button"
            className="link"
            onClick={() => {
              setDraft(null);
              rename.reset();
            }}
          >
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
            disabled={c.id === card.column}
            onClick={() => moves.moveCard(card, c.id)}
            data-testid={`move-${c.id}`}
          >
            {c.title}
          </button>
        ))}
      </div>
      <ErrorNote error={moves.errorOf(card.id)} field="column" onDismiss={() => moves.forget(card.id)} />
      <button
        type="button"
        className="primary"
        disabled={card.column === done}
        onClick={() => complete.mutate(ids).catch(() => undefined)}
        data-testid="complete"
      >
        {card.column === done ? '✓ Done' : 'Mark done'}
      </button>
      <ErrorNote error={complete.error} field="column" />
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
      <textarea
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          if (edit.error) edit.reset();
        }}
        rows={3}
        aria-label="Description"
        data-testid="description-input"
      />
      <button type="submit" data-testid="description-save">
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
      <textarea
        value={body}
        onChange={(e) => {
          setBody(e.target.value);
          if (add.error) add.reset(); // the message was about what was there before
        }}
        rows={2}
        placeholder="Write a comment…"
        aria-label="Comment"
        aria-invalid={add.error ? true : undefined}
        data-testid="comment-input"
      />
      <button type="submit" disabled={add.isPending} data-testid="comment-submit">
        Comment
      </button>
      <ErrorNote error={add.error} field="body" />
    </form>
  );
}
