import { useSyncExternalStore } from 'react';
import { type LogEntry, netlog } from './netlog';

/** Every request the Mizan kernel made and every push it got, newest first, with what each told it. */
export function NetworkLog() {
  const entries = useSyncExternalStore(netlog.subscribe, netlog.getSnapshot, netlog.getServerSnapshot);
  return (
    <section className="netlog" aria-label="Network log" data-testid="netlog">
      <header>
        <h2>Network</h2>
        <span className="muted">every request the client made, every push it got · {entries.length}</span>
        <button type="button" className="link" onClick={netlog.clear} data-testid="netlog-clear">
          clear
        </button>
      </header>
      <ol>
        {entries.map((e) => (
          <Row key={e.id} entry={e} />
        ))}
        {entries.length === 0 && (
          <li className="muted">Nothing since the log was cleared. Rename a task: a merge needs no request. Open a second window: its changes arrive here as pushes.</li>
        )}
      </ol>
    </section>
  );
}

function Row({ entry }: { entry: LogEntry }) {
  return (
    <li className="netlog-row" data-testid="netlog-row">
      <span className={`method method-${entry.method.toLowerCase()}`}>{entry.method}</span>
      <span className="path">
        {entry.path}
        {entry.fn && <b> {entry.fn}</b>}
      </span>
      <span className={entry.bad ? 'status bad' : 'status'}>{entry.status ?? '…'}</span>
      <span className="ms">{entry.ms === null ? '' : `${entry.ms} ms`}</span>
      <span className="effects">{entry.effects.join(' · ')}</span>
    </li>
  );
}
