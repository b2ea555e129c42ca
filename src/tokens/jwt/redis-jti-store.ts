import { batchDecisionWrites, type RedisClient } from '../../shared/redis-client.js';
import { defineScripts, type ScriptSpec } from '../../shared/redis-commands.js';
import { ScriptSender } from '../../shared/redis-script-sender.js';
import { decisionArgsJson, IntegerText, redisInteger } from '../redis-script-args.js';
import { PAST_DEADLINE } from '../redis-scripts.js';
import { SESSIONS_OFF, type RedisSessionRegistry } from '../sessions/redis-session-registry.js';
import { SESSION_REFUSALS } from '../sessions/session-registry.js';
import { PastDeadlineError } from '../token-store.js';
import { JTI_CHECK_SCRIPT, JTI_REVOKE_SCRIPT } from './jti-scripts.js';
import { JtiKeys, jtiKeyPart, type JtiState, type JtiStore, type JtiUse } from './jti-store.js';

type JtiCommands = {
  wtaJtiCheck(key: string, ...args: string[]): Promise<unknown>;
  wtaJtiRevoke(key: string, revokedAt: string, keepUntil: string): Promise<unknown>;
};

const CHECK_SPEC: ScriptSpec = { keys: 1, lua: JTI_CHECK_SCRIPT };

const STATES: ReadonlySet<string> = new Set<JtiState>(['ok', 'revoked', 'used', ...SESSION_REFUSALS]);

export interface RedisJtiStoreOptions {
  redis: RedisClient;
  keyPrefix: string;
  /** The token store's live session registry, for decisions that carry a session part. */
  sessions?: RedisSessionRegistry | undefined;
}

/**
 * Redis layout (prefix omitted): `j:{<sha256 of jti>}`, a hash with `revokedAt`, `session` (owner of a one-time
 * token) and `until`; it expires at `until`, the token's exp plus the clock skew. Every instance sharing the Redis
 * sees a revocation on its next decision. Uses the token store's connection (and its command timeout).
 */
export class RedisJtiStore implements JtiStore {
  readonly kind = 'redis';
  private readonly commands: JtiCommands;
  private readonly checkScript: ScriptSender;
  // The integers' text, kept from one decision to the next (issue 15: keep-until and the deadline repeat, now is the ms).
  private readonly keepUntil = new IntegerText();
  private readonly deadline = new IntegerText();
  private readonly now = new IntegerText();
  /** Key names of the jtis seen lately (one SHA-256 less per decision). */
  private readonly keys: JtiKeys;

  constructor(private readonly options: RedisJtiStoreOptions) {
    this.commands = defineScripts<JtiCommands>(options.redis, {
      wtaJtiCheck: CHECK_SPEC,
      wtaJtiRevoke: { keys: 1, lua: JTI_REVOKE_SCRIPT },
    });
    this.checkScript = new ScriptSender(options.redis, 'wtaJtiCheck', CHECK_SPEC);
    this.keys = new JtiKeys((jti) => `${options.keyPrefix}j:{${jtiKeyPart(jti)}}`);
  }

  jtiKey(jti: string): string {
    return this.keys.of(jti);
  }

  async check(jti: string, use: JtiUse): Promise<JtiState> {
    const registry = use.session && this.options.sessions;
    if (use.session && !registry) throw new Error('this jti store was built without the session registry');
    if (!use.session || !registry) return readReply(await this.send(jti, use, use.consume, SESSIONS_OFF)).state;
    if (!registry.sharesScripts) return this.checkInSteps(jti, use, registry);
    const { state, outcome } = readReply(await this.send(jti, use, use.consume, registry.tokenDecisionArgs(use.session, use.consume, use.now)));
    registry.report(outcome);
    return state;
  }

  /**
   * Redis Cluster: the jti key and the registry's `{sess}` keys are in different slots, so no script holds both.
   * The jti is checked without claiming it, then the session is decided (and recorded when allowed), then a
   * one-time token is claimed: a session refusal claims nothing. Between the first and the last step another
   * session may claim the token; this request is then refused `already_used` with its session recorded.
   */
  private async checkInSteps(jti: string, use: JtiUse, registry: RedisSessionRegistry): Promise<JtiState> {
    const peeked = readReply(await this.send(jti, use, false, SESSIONS_OFF));
    if (peeked.state !== 'ok' || !use.session) return peeked.state;
    const { reason } = await registry.decide(use.session.check, use.session.token, use.consume, use.now, use.writeDeadline);
    if (reason) return reason;
    return use.once && use.consume ? readReply(await this.send(jti, use, true, SESSIONS_OFF)).state : 'ok';
  }

  /** Sends the jti script; not async: the caller's await is the only one (one promise less). */
  private send(jti: string, use: JtiUse, consume: boolean, sessionArgs: string): Promise<unknown> {
    batchDecisionWrites(this.options.redis);
    return this.checkScript.send([
      this.jtiKey(jti),
      decisionArgsJson([
        use.once ? '1' : '0',
        consume ? '1' : '0',
        use.sessionId,
        this.keepUntil.of(Math.ceil(use.keepUntil)),
        this.deadline.deadline(use.writeDeadline),
        this.now.of(Math.floor(use.now)),
      ]),
      // Last: the session scripts read it as ARGV[#ARGV].
      sessionArgs,
    ]);
  }

  async revoke(jti: string, revokedAt: number, keepUntil: number): Promise<boolean> {
    return (await this.commands.wtaJtiRevoke(this.jtiKey(jti), redisInteger(revokedAt), redisInteger(Math.ceil(keepUntil)))) === 1;
  }

  // The connection belongs to the token store, which closes it.
  async close(): Promise<void> {}
}

/** The jti script's reply (see JTI_CHECK_SCRIPT). */
function readReply(reply: unknown): { state: JtiState; outcome: string } {
  const [state, outcome] = Array.isArray(reply) ? reply.map(String) : [];
  if (state === PAST_DEADLINE) throw new PastDeadlineError();
  if (state === undefined || !STATES.has(state)) throw new Error('unexpected reply from the jti script');
  return { state: state as JtiState, outcome: outcome ?? '' };
}
