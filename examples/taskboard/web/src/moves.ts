import type { MizanError } from '@mizan/base';
import { useState } from 'react';
import type { TaskCard } from './mizan/client';
import { useMoveTask } from './mizan/react';

/**
 * Moving cards between columns: shown at once (optimistic), one request per
 * move (the board comes back with the reply), moves made while one is on its
 * way queued in order, never dropped. A move that fails is taken back, and
 * its error is kept for the card it belongs to until that card moves again
 * or the error is dismissed.
 */
export function useMoves() {
  const move = useMoveTask({
    optimistic: {
      board_tasks: (tasks, { task_id, column }) => tasks.map((t) => (t.id === task_id ? { ...t, column } : t)),
    },
  });
  const [errors, setErrors] = useState<ReadonlyMap<number, MizanError>>(new Map());
  const forget = (taskId: number) =>
    setErrors((current) => {
      if (!current.has(taskId)) return current;
      const next = new Map(current);
      next.delete(taskId);
      return next;
    });
  return {
    moveCard(card: TaskCard, column: string): void {
      if (card.column === column) return;
      forget(card.id);
      move.mutate({ board_id: card.board_id, task_id: card.id, column }).catch((error: MizanError) =>
        setErrors((current) => new Map(current).set(card.id, error)),
      );
    },
    errorOf: (taskId: number): MizanError | null => errors.get(taskId) ?? null,
    forget,
  };
}
