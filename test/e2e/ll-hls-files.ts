import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A static LL-HLS stream in `<dir>/<stream>/`, shaped like a low-latency live playlist (RFC 8216bis: EXT-X-PART,
 * EXT-X-PRELOAD-HINT, blocking reloads announced by CAN-BLOCK-RELOAD): an fMP4 init segment, two full segments,
 * the parts of the segment being written and a preload hint. ffmpeg 5.1 cannot write LL-HLS, and the tests only
 * need the names, the query parameters and the blocking behaviour that nginx and the service see, so the media
 * files hold placeholder bytes.
 */
export function writeLlHlsStream(dir: string, stream: string): void {
  const streamDir = join(dir, stream);
  mkdirSync(streamDir, { recursive: true });
  const files = ['init.mp4', `${stream}2.m4s`, `${stream}3.m4s`, `${stream}4.part0.m4s`, `${stream}4.part1.m4s`, `${stream}4.part2.m4s`];
  for (const file of files) writeFileSync(join(streamDir, file), Buffer.from(`placeholder ${file}`));
  const playlist = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    '#EXT-X-TARGETDURATION:2',
    '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5',
    '#EXT-X-PART-INF:PART-TARGET=0.5',
    '#EXT-X-MEDIA-SEQUENCE:2',
    '#EXT-X-MAP:URI="init.mp4"',
    '#EXTINF:2.0,',
    `${stream}2.m4s`,
    '#EXTINF:2.0,',
    `${stream}3.m4s`,
    `#EXT-X-PART:DURATION=0.5,URI="${stream}4.part0.m4s",INDEPENDENT=YES`,
    `#EXT-X-PART:DURATION=0.5,URI="${stream}4.part1.m4s"`,
    `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${stream}4.part2.m4s"`,
    '',
  ].join('\n');
  writeFileSync(join(streamDir, `${stream}.m3u8`), playlist);
}
