export { canonicalJson, canonicalString } from './canonical.js';
export {
  CHANNEL_HISTORY,
  ChannelInstance,
  type ChannelState,
  type ChannelStatus,
  openChannel,
} from './channel.js';
export {
  type CallOptions,
  configure,
  getClient,
  instanceKey,
  type LiveInit,
  type LiveTransport,
  MizanClient,
  type MizanConfig,
  type Optimistic,
  processInvalidateHeader,
} from './client.js';
export { MizanError } from './error.js';
export type { MizanEvent } from './events.js';
export { ContextInstance, type ContextState, type ContextStatus, ready } from './instance.js';
export {
  formatInvalidateHeader,
  INVALIDATE_HEADER,
  type InvalidateTarget,
  parseInvalidateHeader,
  scopeMatches,
  targetHits,
} from './invalidation.js';
export { applyMergeEntry, type MergeEntry } from './merge.js';
export { Mutation, type MutationOptions, type MutationState } from './mutation.js';
export type { RetryPolicy } from './retry.js';
export { pageProps, ssrData } from './ssr.js';
export type { CallResponse, ChannelEvents, Push, RequestContext, Transport } from './transport.js';
export { httpTransport, type HttpTransportOptions } from './transport/http.js';
export { type IpcEvents, type IpcMessage, type IpcPort, ipcTransport } from './transport/ipc.js';
export {
  type LiveOptions,
  reconnectBackoff,
  type SocketLike,
  socketTransport,
  type SocketTransportOptions,
  socketUrl,
  websocket,
} from './transport/socket.js';
