import { useSyncExternalStore } from 'react';
import { type LogEntry, netlog } from './netlog';

/** Every request the Mizan kernel made, newest first, with what the response told it. */
export function NetworkLog() {
  const entries = useSyncExternalStore(netlog.subscribe, netlog.getSnapshot);
  return (
    <section className="netlog" aria-label="Network log" data-testid="netlog">
      <header>
        <h2>Network</h2>
        <span className="muted">every request the client made · {entries.length}</span>
        <button type="button" className="link" onClick={netlog.clear} data-testid="netlog-clear">
          clear
        </button>
      </header>
      <ol>
        {entries.map((e) => (
          <Row key={e.id} entry={e} />
        ))}
        {entries.length === 0 && <li className="muted">No requests since the log was cleared. Rename a task: a merge needs none.</li>}
      </ol>
    </section>
  );
}

function Row({ entry }: { entry: LogEntry }) {
  const status = entry.status === null ? '…' : entry.status === 0 ? 'failed' : String(entry.status);
  const bad = entry.status !== null && (entry.status === 0 || entry.status >= 400);
  return (
    <li className="netlog-row" data-testid="netlog-row">
      <span className={`method method-${entry.method.toLowerCase()}`}>{entry.method}</span>
      <span className="path">
        {entry.path}
        {entry.fn && <b> {entry.fn}</b>}
      </span>
      <span className={bad ? 'status bad' : 'status'}>{status}</span>
      <span className="ms">{entry.ms === null ? '' : `${entry.ms} ms`}</span>
      <span className="effects">{entry.effects.join(' · ')}</span>
    </li>
  );
}
