/** HTTP guards every diffscope server shares: Host allowlist, socket deadlines, stream caps. */
export {
  createHostAllowlist,
  hostOfHeader,
  hostRefusedMessage,
  isLoopbackName,
  parseHostList,
  registerHostAllowlist,
  requestHost,
  type HostAllowlist,
  type HostAllowlistOptions,
} from './host-allowlist.js';
export { fastifyTimeoutOptions, httpTimeoutsFromConfig, type HttpTimeoutsOptions } from './server-timeouts.js';
export { ConcurrencySlots, isRefusal, type Slot, type SlotRefusal } from './concurrency-slots.js';
