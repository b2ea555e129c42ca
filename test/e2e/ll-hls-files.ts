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

/**
 * An ABR stream in `<dir>/<stream>/`: a master playlist listing two variants in the forms WCS uses, a suffixed
 * variant directory (`<stream>-720p/<stream>-720p.m3u8`) and a quality directory (`360/360.m3u8`), each a short
 * live playlist of MPEG-TS segments with placeholder bytes.
 */
export function writeAbrStream(dir: string, stream: string): void {
  const variants = [`${stream}-720p`, '360'];
  mkdirSync(join(dir, stream), { recursive: true });
  const master = ['#EXTM3U'];
  for (const [index, variant] of variants.entries()) {
    master.push(`#EXT-X-STREAM-INF:BANDWIDTH=${(index + 1) * 500_000}`, `${variant}/${variant}.m3u8`);
    const variantDir = join(dir, stream, variant);
    mkdirSync(variantDir, { recursive: true });
    writeFileSync(join(variantDir, `${variant}0.ts`), Buffer.alloc(188, 0x47));
    writeFileSync(
      join(variantDir, `${variant}.m3u8`),
      ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0', '#EXTINF:2.0,', `${variant}0.ts`, ''].join('\n'),
    );
  }
  writeFileSync(join(dir, stream, `${stream}.m3u8`), `${master.join('\n')}\n`);
}
