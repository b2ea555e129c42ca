import { createHmac } from 'node:crypto';

/** WCS's newer playHLS body: query parameters in `custom`, `sessionId` = /client:port/server:port. */
export function newerPlayHlsBody(overrides: Record<string, unknown> = {}, custom: Record<string, unknown> = {}) {
  return {
    nodeId: 'NTk1tLorQ00llGbPJuFexrKceubGCR0k@192.168.1.5',
    appKey: 'defaultApp',
    sessionId: '/192.168.1.100:59473/192.168.1.5:8445',
    mediaSessionId: '60709c5b-6950-40c3-8a3d-37ea0827ae32-7274-HLS',
    name: 'test',
    mediaProvider: 'HLS',
    custom,
    ...overrides,
  };
}

/** WCS's older playHLS body: token at the top level, many media fields. */
export function olderPlayHlsBody(overrides: Record<string, unknown> = {}) {
  return {
    nodeId: 'pnud9LxMUcOGJ7agrzSLYTL60WXRQZRw@192.168.1.5',
    appKey: 'defaultApp',
    sessionId: 'test-HLS',
    mediaSessionId: '67b9223e-ede9-4265-af6e-d2ce703754e0-test-HLS',
    name: 'test',
    published: false,
    hasVideo: false,
    hasAudio: true,
    status: 'NEW',
    record: false,
    width: 0,
    height: 0,
    bitrate: 0,
    minBitrate: 0,
    maxBitrate: 0,
    quality: 0,
    mediaProvider: 'HLS',
    ...overrides,
  };
}

/** Real WCS sends multi-line JSON; tests send it that way so nothing depends on compact bodies. */
export function pretty(body: unknown): string {
  return JSON.stringify(body, null, 2);
}

/** `Authorization: WCS <hmac-md5 hex>` over the exact bytes, as rest_hook_send_hash does. */
export function wcsSignature(secret: string, raw: string | Buffer): string {
  return `WCS ${createHmac('md5', secret).update(raw).digest('hex')}`;
}
