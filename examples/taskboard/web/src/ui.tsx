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

/** A `MizanError` as the user sees it: code, HTTP status, message, field messages. */
export function ErrorNote({ error, field }: { error: MizanError | null; field?: string }) {
  if (!error) return null;
  const fieldMessages = field ? error.fieldErrors(field) : [];
  return (
    <p className="error" role="alert" data-testid="error">
      <code data-testid="error-code">{error.code}</code>
      <span className="error-status" data-testid="error-status">
        {error.status}
      </span>
      <span>{fieldMessages.length > 0 ? fieldMessages.join(' ') : error.message}</span>
    </p>
  );
}
