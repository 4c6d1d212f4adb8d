import type { MizanError } from '@mizan/base';
import { useSyncExternalStore } from 'react';
import type { Member } from './mizan/client';
import { useTeam } from './mizan/react';

/** `#/board/<id>` or `#/board/<id>/task/<id>`. */
export interface Route {
  boardId: number;
  taskId: number | null;
}

function subscribeHash(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

/**
 * The route in the hash; without one, the board of the page's path
 * (`/board/<id>`, which the server rendered) or board 1. The server and the
 * hydrating client read no hash (`getServerSnapshot`), so both render the
 * path's board, and the hash, if any, applies right after hydration.
 */
export function useRoute(pageBoardId = 1): Route {
  const hash = useSyncExternalStore(subscribeHash, () => location.hash, () => '');
  const match = /^#\/board\/(\d+)(?:\/task\/(\d+))?/.exec(hash);
  return {
    boardId: match ? Number(match[1]) : pageBoardId,
    taskId: match?.[2] ? Number(match[2]) : null,
  };
}

export function href(route: Route): string {
  return `#/board/${route.boardId}${route.taskId === null ? '' : `/task/${route.taskId}`}`;
}

export function Avatar({ member, size = 'md' }: { member: Member | undefined; size?: 'sm' | 'md' }) {
  if (!member) return <span className={`avatar avatar-${size} avatar-empty`} title="Nobody yet" />;
  return (
    <span className={`avatar avatar-${size}`} style={{ background: member.color }} title={member.name}>
      {member.initials}
    </span>
  );
}

/** The team member with `id`, from the `global` context. */
export function useMember(id: number | null | undefined): Member | undefined {
  const team = useTeam();
  return id == null ? undefined : team?.find((m) => m.id === id);
}

/**
 * What went wrong, in words for the person at the keyboard: the server's
 * message for `field` when there is one (next to that field), else a sentence
 * for the kind of failure. The code and status stay in attributes (and the
 * tooltip) for whoever debugs it.
 */
export function ErrorNote({ error, field, onDismiss }: { error: MizanError | null; field?: string; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" data-testid="error" data-code={error.code} data-status={error.status} title={`${error.code} (${error.status})`}>
      <span data-testid="error-message">{humanMessage(error, field)}</span>
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      )}
    </p>
  );
}

export function humanMessage(error: MizanError, field?: string): string {
  const own = field ? error.fieldErrors(field) : [];
  if (own.length > 0) return own.join(' ');
  const fields = error.details?.['fields'];
  const all = fields && typeof fields === 'object' ? Object.values(fields).flat().map(String) : [];
  switch (error.code) {
    case 'VALIDATION_ERROR':
      return all.length > 0 ? all.join(' ') : 'Something in what you entered is not right.';
    case 'NOT_FOUND':
      return error.message; // the server says what is missing: "There is no board 9."
    case 'NETWORK_ERROR':
      return 'The server cannot be reached. Check your connection and try again.';
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return 'You are not allowed to do that.';
    case 'ABORTED':
      return 'That was cancelled.';
    default:
      return 'Something went wrong on our side. Try again in a moment.';
  }
}
