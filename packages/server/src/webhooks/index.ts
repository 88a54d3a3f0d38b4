export { WebhookDispatcher } from './dispatcher.js';
export type {
  DeliveryReport,
  EmittedEvent,
  WebhookDispatcherConfig,
  WebhookEmitter,
  WebhookTestResult,
} from './dispatcher.js';
export { withWebhookEvents } from './registry-events.js';
export { DEFAULT_WEBHOOK_SETTINGS, webhookSettingsFromEnv } from './settings.js';
export type { BackoffPolicy, WebhookSettings } from './settings.js';
export { WebhookUrlPolicy, isGlobalAddress } from './url-policy.js';
export {
  DELIVERY_ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signDelivery,
  verifyDelivery,
} from './signing.js';
export { EXAMPLE_PAYLOADS, deliveryBody } from './payloads.js';
export type * from './payloads.js';
