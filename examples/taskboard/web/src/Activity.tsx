import type { MizanError } from '@mizan/base';
import { type FormEvent, useState } from 'react';
import type { Activity } from './mizan/client';
import { useActivityChannel } from './mizan/react';
import { Avatar, ErrorNote, useMember } from './ui';

/**
 * What happens on the open board, live: the `activity` channel of that
 * board. Every change anyone makes on it arrives here as a line (the
 * server publishes it from the mutation), and a note typed here reaches
 * every window on the board. Joined while shown; another board is another
 * channel instance.
 */
export function ActivityFeed({ boardId }: { boardId: number }) {
  const { status, messages, error, send } = useActivityChannel({ board_id: boardId });
  const [text, setText] = useState('');
  const [sendError, setSendError] = useState<MizanError | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send({ text }).then(
      () => {
        setText('');
        setSendError(null);
      },
      setSendError,
    );
  };
  return (
    <section className="activity" aria-label="Live activity" data-testid="activity">
      <h2>
        <span className={`live-dot ${status}`} title={status} data-testid="activity-status" data-status={status} />
        Live on this board
      </h2>
      <ErrorNote error={error} />
      <ol className="activity-list" data-testid="activity-list">
        {[...messages].reverse().map((m, i) => (
          <Line key={messages.length - i} activity={m} />
        ))}
        {messages.length === 0 && <li className="muted activity-item">Changes and notes from every window on this board show up here.</li>}
      </ol>
      <form className="activity-form" onSubmit={submit}>
        <input
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setSendError(null); // the message was about what was there before
          }}
          placeholder="Say something…"
          aria-label="Note to the board"
          data-testid="activity-input"
        />
        <button type="submit" disabled={status !== 'joined'} data-testid="activity-send">
          Send
        </button>
      </form>
      <ErrorNote error={sendError} field="message.text" />
    </section>
  );
}

function Line({ activity }: { activity: Activity }) {
  const member = useMember(activity.member_id);
  return (
    <li className={`activity-item ${activity.kind}`} data-testid="activity-item">
      <Avatar member={member} size="sm" />
      <span className="activity-text">
        {activity.kind === 'change' && <b>{member?.name.split(' ')[0] ?? 'Someone'} </b>}
        {activity.text}
      </span>
    </li>
  );
}
