export { type Counts, type Entry, type EntryKind, Recorder } from './log.js';
export { type DevtoolsOptions, mountDevtools } from './overlay.js';
