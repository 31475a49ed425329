export {
  completionQueueName,
  DEFAULT_WEBHOOK_EVENTS,
  WEBHOOK_EVENTS,
  type CompletionEvent,
  type CompletionStatus,
} from './completion-event.js';
export {
  checkWebhookUrl,
  classifyAddress,
  isPrivateAddress,
  isTransientDnsError,
  type AddressVerdict,
  type ResolveAll,
  type WebhookUrlCheckOptions,
} from './address-guard.js';
export {
  signWebhookPayload,
  standardWebhookHeaders,
  standardWebhookSecret,
  verifyWebhookSignature,
  type VerifyOptions,
} from './webhook-signature.js';
export { sendWebhook, type WebhookSendOptions, type WebhookResponse } from './webhook-sender.js';
export { DeliverySlots, type DeliverySlotLimits, type SlotKeys } from './delivery-slots.js';
export { deliverWebhook, type WebhookDeliveryOptions, type WebhookNotice } from './webhook-delivery.js';
export { startNotifier, type NotifierDeps, type NotifierHandle } from './start-notifier.js';
