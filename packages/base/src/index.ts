export { canonicalJson, canonicalString } from './canonical.js';
export {
  CHANNEL_HISTORY,
  ChannelInstance,
  type ChannelState,
  type ChannelStatus,
} from './channel.js';
export { configure, getClient, instanceKey, type LiveOptions, MizanClient, type MizanConfig } from './client.js';
export { MizanError } from './error.js';
export { ContextInstance, type ContextState, type ContextStatus } from './instance.js';
export {
  formatInvalidateHeader,
  INVALIDATE_HEADER,
  type InvalidateTarget,
  parseInvalidateHeader,
  scopeMatches,
  targetHits,
} from './invalidation.js';
export { applyMergeEntry, type MergeEntry } from './merge.js';
export { Mutation, type MutationState } from './mutation.js';
export type { RetryPolicy } from './retry.js';
export type { CallResponse, ChannelEvents, Push, RequestContext, Transport } from './transport.js';
export { httpTransport, type HttpTransportOptions } from './transport/http.js';
export { type IpcEvents, type IpcMessage, type IpcPort, ipcTransport } from './transport/ipc.js';
export {
  reconnectBackoff,
  type SocketLike,
  socketTransport,
  type SocketTransportOptions,
  socketUrl,
} from './transport/socket.js';
