/** The overlay's styles, inside its shadow root. */
export const STYLE = `
:host { all: initial; display: block; height: 100%; }
.panel {
  position: fixed; left: 0; right: 0; bottom: 0; z-index: 2147483000;
  background: #0f172a; color: #cbd5e1; border-top: 1px solid #1e293b;
  font: 12px/1.55 ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
}
.panel.inline { position: static; height: 100%; display: flex; flex-direction: column; border-top: 0; }
.panel.inline .body { flex: 1; height: auto; min-height: 0; }
.bar { display: flex; gap: 12px; align-items: center; padding: 5px 12px; }
.toggle { all: unset; cursor: pointer; color: #fff; font-weight: 600; }
.counts { color: #94a3b8; }
.link { all: unset; cursor: pointer; color: #a5b4fc; margin-left: auto; }
.body { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); height: 230px; border-top: 1px solid #1e293b; }
.body[hidden] { display: none; }
section { overflow: auto; padding: 0 12px 8px; }
section + section { border-left: 1px solid #1e293b; }
h2 { position: sticky; top: 0; margin: 0; padding: 6px 0; background: #0f172a; color: #64748b; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; color: #64748b; font-weight: 500; padding: 0 8px 2px 0; }
td { padding: 1px 8px 1px 0; vertical-align: top; white-space: nowrap; }
tr.unmounted td { opacity: 0.55; }
.key { color: #fff; }
.status.success { color: #4ade80; }
.status.loading, .status.idle { color: #fbbf24; }
.status.error { color: #f87171; }
.num { text-align: right; }
details summary { cursor: pointer; color: #a5b4fc; }
pre { margin: 2px 0 6px; max-height: 180px; overflow: auto; color: #e2e8f0; white-space: pre; }
.log { list-style: none; margin: 0; padding: 0; }
.entry { display: grid; grid-template-columns: 92px 72px minmax(0, 1fr) auto auto; gap: 8px; white-space: nowrap; }
.entry > span { overflow: hidden; text-overflow: ellipsis; }
.time, .ms { color: #64748b; }
.cause { color: #fbbf24; }
.kind { color: #94a3b8; }
.call .kind { color: #fbbf24; }
.reply .kind, .refresh .kind { color: #4ade80; }
.error .kind, .error .text { color: #f87171; }
.invalidate .kind { color: #f472b6; }
.merge .kind { color: #c4b5fd; }
.push .kind { color: #86efac; }
.fetch .kind { color: #7dd3fc; }
.instance { opacity: 0.6; }
.empty { color: #64748b; }
@media (max-width: 900px) {
  .body { grid-template-columns: minmax(0, 1fr); grid-template-rows: 1fr 1fr; height: 280px; }
  section + section { border-left: 0; border-top: 1px solid #1e293b; }
}
`;
