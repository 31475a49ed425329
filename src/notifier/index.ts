export { completionQueueName, WEBHOOK_EVENTS, type CompletionEvent, type CompletionStatus } from './completion-event.js';
export { checkWebhookUrl, isPrivateAddress, type WebhookUrlCheckOptions } from './address-guard.js';
export { signWebhookPayload, verifyWebhookSignature, type VerifyOptions } from './webhook-signature.js';
export { sendWebhook, type WebhookSendOptions, type WebhookResponse } from './webhook-sender.js';
export { deliverWebhook, type WebhookDeliveryOptions } from './webhook-delivery.js';
export { startNotifier, type NotifierDeps, type NotifierHandle } from './start-notifier.js';
