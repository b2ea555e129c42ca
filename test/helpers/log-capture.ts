import { Writable } from 'node:stream';

/** A pino destination that keeps every line, parsed, so tests can assert on logs (and on what they lack). */
export class LogCapture extends Writable {
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.raw.push(line);
    callback();
  }
  get lines(): Record<string, unknown>[] {
    return this.raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  decisions(): Record<string, unknown>[] {
    return this.lines.filter((line) => line.event === 'decision');
  }
  text(): string {
    return this.raw.join('\n');
  }
}
