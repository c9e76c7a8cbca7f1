import { createHmac } from 'node:crypto';

/**
 * Robot-webhook signatures. Pure: the caller passes the timestamp, so tests can pin the output.
 * Both platforms sign the string `${timestamp}\n${secret}`, but differently:
 */

/**
 * DingTalk: HMAC-SHA256 keyed by the secret over `${timestamp}\n${secret}`, base64; the
 * timestamp is in milliseconds and must be within an hour of DingTalk's clock.
 */
export function dingTalkSignature(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The DingTalk webhook URL with `&timestamp=..&sign=..` appended (sign url-encoded). */
export function signDingTalkUrl(webhook: string, secret: string, timestampMs: number): string {
  const sign = encodeURIComponent(dingTalkSignature(secret, timestampMs));
  return `${webhook}${webhook.includes('?') ? '&' : '?'}timestamp=${timestampMs}&sign=${sign}`;
}

/**
 * Lark/Feishu: HMAC-SHA256 keyed by `${timestamp}\n${secret}` over an empty message, base64;
 * the timestamp is in seconds and travels in the JSON body next to `sign`.
 */
export function larkSignature(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}
