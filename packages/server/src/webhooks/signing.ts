import { createHmac, timingSafeEqual } from 'node:crypto';

/** MLflow's delivery headers (mlflow/webhooks/constants.py). */
export const SIGNATURE_HEADER = 'X-MLflow-Signature';
export const TIMESTAMP_HEADER = 'X-MLflow-Timestamp';
export const DELIVERY_ID_HEADER = 'X-MLflow-Delivery-Id';
export const SIGNATURE_VERSION = 'v1';

/**
 * The `X-MLflow-Signature` value: `v1,` and the base64 HMAC-SHA256, keyed by the webhook's secret, of
 * `<delivery id>.<unix seconds>.<body>` (the Standard Webhooks scheme MLflow follows).
 */
export function signDelivery(secret: string, deliveryId: string, timestamp: string, body: string): string {
  const mac = createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${body}`).digest('base64');
  return `${SIGNATURE_VERSION},${mac}`;
}

/** True when `signature` is the one `signDelivery` gives for these values (compared in constant time). */
export function verifyDelivery(
  secret: string,
  deliveryId: string,
  timestamp: string,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signDelivery(secret, deliveryId, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
