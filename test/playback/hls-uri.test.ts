import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHlsUri, type HlsUri } from '../../src/playback/hls-uri.js';

const options = { tokenParam: 'token', variantSuffix: /(?:-[0-9]+p)$/ };

describe('parseHlsUri', () => {
  const read: [string, Partial<HlsUri>][] = [
    ['/live/live.m3u8?token=abc', { stream: 'live', pathStream: 'live', resource: 'playlist', token: 'abc' }],
    ['/live/live12.ts?token=abc&sessionId=s-1', { resource: 'segment', token: 'abc' }],
    ['/live/live.M3U8', { resource: 'playlist', token: undefined }],
    ['/live-720p/live-720p.m3u8?token=abc', { stream: 'live', pathStream: 'live-720p' }],
    ['/live/720/720.m3u8', { stream: 'live', resource: 'playlist' }],
    ['/live/720p/720p5.ts', { stream: 'live', resource: 'segment' }],
    ['/live/live-720p/live-720p.m3u8', { stream: 'live', pathStream: 'live', resource: 'playlist' }],
    ['/live-720p/live-720p3.ts', { stream: 'live', resource: 'segment' }],
    ['/-720p/-720p.m3u8', { stream: '-720p' }],
    ['/caf%C3%A9/caf%C3%A9.m3u8', { stream: 'café', rawPathStream: 'caf%C3%A9' }],
    ['/test.m3u8?token=abc', { stream: 'test', pathStream: 'test', rawPathStream: 'test', resource: 'playlist', token: 'abc' }],
    ['/test-720p.m3u8', { stream: 'test', pathStream: 'test-720p' }],
    ['/live/live.m3u8?token=abc&_HLS_msn=12&_HLS_part=3', { resource: 'playlist', token: 'abc' }],
    ['/live/live3.m4s?token=abc', { resource: 'segment' }],
    ['/live/live12.part4.m4s', { resource: 'segment' }],
    ['/live/init.mp4', { resource: 'segment' }],
    ['/live/live_init.mp4', { resource: 'segment' }],
    ['/live/live7.aac', { resource: 'segment' }],
    ['/live/live.m3u8?token=', { token: undefined }],
    ['/live/live.m3u8?TOKEN=abc', { token: 'abc' }],
    ['/live/live.m3u8?token=a%2Bb', { token: 'a%2Bb' }],
    ['/live/live.m3u8?token=a&token=a', { token: null }],
    ['/live/live.m3u8?token=a&token=b', { token: null }],
    ['/live/live.m3u8?token=a&Token=b', { token: null }],
    ['/live/live.m3u8?tokenx=a', { token: undefined }],
    ['/live/live.m3u8?appKey=defaultApp', { appKey: 'defaultApp' }],
  ];
  for (const [uri, expected] of read) {
    test(`reads ${uri}`, () => {
      const parsed = parseHlsUri(uri, options);
      assert.ok(parsed);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(parsed[key as keyof HlsUri], value, key);
    });
  }

  const refused = [
    'live/live.m3u8',
    '/live.ts',
    '/live/live.mp3',
    '/live/live.html',
    '/live/other.m3u8',
    '/live/LIVE.m3u8',
    '/live/720/live.m3u8',
    '/live-720p/live.m3u8',
    '/other/live.m3u8',
    '/mine/other/other.m3u8',
    '/mine/other5.ts',
    '/mine/other-720p/other-720p.m3u8',
    '/live/a%2e%2e/live.m3u8',
    '/live/..%2flive.m3u8',
    '/live/live%2Em3u8',
    '/live/../secret/seg1.ts',
    '/live/live.m3u8?%74oken=abc',
    '/live/live.m3u8?x=1&t%6Fken=abc',
    '/live/live/live/live/live.m3u8',
    '/live/live',
    '/live/',
    '//live/live.m3u8',
    '/other/../live/live.m3u8',
    '/other/%2e%2e/live/live.m3u8',
    '/./live/live.m3u8',
    '/a%2Fb/live.m3u8',
    '/a%5Cb/live.m3u8',
    '/live/%E0%A4%A/live.m3u8',
    '/has%20space/x.m3u8',
    `/${'a'.repeat(5000)}/x.m3u8`,
  ];
  for (const uri of refused) {
    test(`refuses ${uri.slice(0, 60)}`, () => assert.equal(parseHlsUri(uri, options), undefined));
  }

  test('without a suffix rule the first path segment is the stream', () => {
    assert.equal(parseHlsUri('/live-720p/live-720p.m3u8', { tokenParam: 'token', variantSuffix: null })?.stream, 'live-720p');
  });

  test('the token parameter name is configurable', () => {
    assert.equal(parseHlsUri('/live/live.m3u8?aclAuth=k&token=t', { tokenParam: 'aclAuth', variantSuffix: null })?.token, 'k');
  });
});
