import { createHash } from 'node:crypto';
import { Command, Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';
import type { ScriptSpec } from './redis-commands.js';

const UTF8 = { replyEncoding: 'utf8' } as const;

/**
 * The decision scripts' calls (issue 15). A script registered with defineCommand costs ioredis, per call, a rest
 * array and an options object (the generated command function), an `unshift` and a copied argument array
 * (Script.execute), a closure that wraps the command's `reject` (its Command subclass) and the generic RESP
 * framing of the name, the SHA and the key count. This sends the same command to the same connection through
 * ioredis's own sendCommand (its queue, timeouts, reconnection and tracing as before), with those parts built
 * once per script. What Redis sees is what ioredis's Script sends: on a connection that has not run the script
 * yet, EVAL with its source (so a decision stays one round trip after a reconnect), EVALSHA afterwards; a NOSCRIPT
 * answer (Redis restarted or flushed its scripts) forgets the connection and sends the command once more, which
 * then goes as EVAL.
 *
 * Only for a standalone or Sentinel client without ioredis's keyPrefix: in Cluster (slots, auto-pipelining) and
 * with a keyPrefix the script's defined command is called, as before.
 */
export class ScriptSender {
  readonly sha: string;
  /** Connections (sockets) that have run the script, as ioredis's Script keeps them. */
  readonly loaded = new WeakSet<object>();
  /** RESP of `EVALSHA <sha> <key count>` for `head.argc` arguments in all; rebuilt when the count changes. */
  private head = { argc: -1, text: '' };
  private readonly fast: Redis | undefined;
  private readonly keyCount: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly name: string,
    readonly spec: ScriptSpec,
  ) {
    this.sha = createHash('sha1').update(spec.lua).digest('hex');
    this.keyCount = String(spec.keys);
    this.fast = redis instanceof Redis && !redis.options.keyPrefix ? redis : undefined;
  }

  /** Runs the script: its keys (spec.keys of them), then its arguments. Resolves to the reply, bulk strings as strings. */
  send(keysAndArgs: readonly string[]): Promise<unknown> {
    const { fast } = this;
    if (!fast) return (this.redis as unknown as Record<string, (...all: readonly string[]) => Promise<unknown>>)[this.name]!(...keysAndArgs);
    const all = [this.sha, this.keyCount, ...keysAndArgs];
    const options = fast.options.showFriendlyErrorStack ? { ...UTF8, errorStack: new Error() } : UTF8;
    const command = new ScriptCommand(this, all, options);
    command.promise = command.promise.catch((error: unknown) => this.resendOnNoScript(fast, command, all, options, error));
    return fast.sendCommand(command) as Promise<unknown>;
  }

  private resendOnNoScript(redis: Redis, sent: ScriptCommand, all: string[], options: typeof UTF8, error: unknown): Promise<unknown> {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
    if (sent.socket) this.loaded.delete(sent.socket);
    return redis.sendCommand(new ScriptCommand(this, all, options)) as Promise<unknown>;
  }

  /** The command's wire form from `EVALSHA <sha> <key count>` prebuilt and the keys and arguments framed. */
  evalshaText(args: readonly unknown[]): string {
    if (this.head.argc !== args.length + 1) {
      const count = this.keyCount;
      this.head = { argc: args.length + 1, text: `*${args.length + 1}\r\n$7\r\nevalsha\r\n$40\r\n${this.sha}\r\n$${count.length}\r\n${count}\r\n` };
    }
    let text = this.head.text;
    for (let i = 2; i < args.length; i++) {
      const arg = args[i] as string;
      text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    }
    return text;
  }
}

/** EVALSHA that turns into EVAL on a connection that has not run the script yet (as ioredis's Script command). */
class ScriptCommand extends Command {
  /** The connection this command was last written to: a NOSCRIPT answer came from it. */
  socket: object | undefined;

  constructor(
    private readonly script: ScriptSender,
    args: string[],
    options: typeof UTF8,
  ) {
    super('evalsha', args, options);
  }

  override toWritable(socket: object): string | Buffer {
    const { script } = this;
    this.socket = socket;
    if (!script.loaded.has(socket)) {
      script.loaded.add(socket);
      this.name = 'eval';
      this.args[0] = script.spec.lua;
      return super.toWritable(socket);
    }
    // Written again after a reconnect, to a connection that has run the script since.
    if (this.name === 'eval') {
      this.name = 'evalsha';
      this.args[0] = script.sha;
    }
    return script.evalshaText(this.args);
  }
}
