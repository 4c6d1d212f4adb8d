import { mountDevtools } from '@mizan/devtools';
import { useEffect, useRef } from 'react';
import { useMizan } from './mizan/react';

/**
 * The Mizan devtools overlay, in the slot the layout keeps for it: every
 * context instance the page holds, and a log of every call, fetch,
 * invalidation, merge, refresh and push with what caused it. It replaced
 * this demo's hand-made network log.
 */
export function Devtools() {
  const client = useMizan();
  const slot = useRef<HTMLDivElement>(null);
  useEffect(() => (slot.current ? mountDevtools(client, { parent: slot.current, inline: true }) : undefined), [client]);
  return <div className="devtools" ref={slot} />;
}
