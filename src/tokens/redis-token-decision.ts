import { batchDecisionWrites } from '../shared/redis-client.js';
import { ScriptSender } from '../shared/redis-script-sender.js';
import { readRecord } from './redis-record-codec.js';
import { decisionArgsJson, IntegerText } from './redis-script-args.js';
import { PAST_DEADLINE, TOKEN_EXHAUSTED_MARK, UNREADABLE_RECORD } from './redis-scripts.js';
import { AUTHORIZE_SPEC, type RedisTokenContext } from './redis-token-context.js';
import { SESSIONS_OFF, type RedisSessionRegistry } from './sessions/redis-session-registry.js';
import { sessionTokenOf } from './sessions/session-registry.js';
import { PastDeadlineError, type PolicyCheck, type PolicyOutcome } from './token-store.js';
import type { AccessRequest, TokenDenyReason } from './token-verifier.js';

/**
 * The decision of the Redis store: one script over the token's keys, with the live session registry's part
 * composed in outside Redis Cluster (one atomic step, one round trip). In Cluster the registry's `{sess}` keys are
 * in another slot: see authorizeInSteps.
 */
export class RedisTokenDecision {
  private readonly script: ScriptSender;
  // The integers' text, kept from one decision to the next (issue 15: most are settings, `now` is the millisecond).
  private readonly now = new IntegerText();
  private readonly window = new IntegerText();
  private readonly recorded = new IntegerText();
  private readonly retention = new IntegerText();
  private readonly deadline = new IntegerText();

  constructor(
    private readonly context: RedisTokenContext,
    private readonly sessions: RedisSessionRegistry | undefined,
  ) {
    this.script = new ScriptSender(context.redis, 'wtaAuthorize', AUTHORIZE_SPEC);
  }

  async authorize(tokenHash: string, request: AccessRequest, check: PolicyCheck): Promise<PolicyOutcome | undefined> {
    const { sessions } = this;
    if (!sessions || !check.session) return readReply(await this.send(tokenHash, request, check, request.consume, SESSIONS_OFF))?.outcome;
    if (!sessions.sharesScripts) return this.authorizeInSteps(sessions, tokenHash, request, check);
    const reply = readReply(await this.send(tokenHash, request, check, request.consume, sessions.recordDecisionArgs(check.session, request.consume, check.now)));
    if (reply?.outcome.reason === null) sessions.report(reply.sessionOutcome);
    return reply?.outcome;
  }

  /**
   * Redis Cluster: the token is checked without a state change, then the session is decided (and recorded when
   * allowed), then a consuming request takes its use: a session refusal spends nothing. Three round trips for a
   * consuming check, two otherwise. Should the token's state change between the first and the last step (another
   * viewer took the last use), this request is refused with its session recorded. The step that takes a token's last
   * use queues token.exhausted on the registry's slot afterwards (not awaited: the use is taken either way).
   */
  private async authorizeInSteps(sessions: RedisSessionRegistry, tokenHash: string, request: AccessRequest, check: PolicyCheck): Promise<PolicyOutcome | undefined> {
    const peeked = readReply(await this.send(tokenHash, request, check, false, SESSIONS_OFF))?.outcome;
    if (!peeked?.record || peeked.reason !== null || !check.session) return peeked;
    const { reason } = await sessions.decide(check.session, sessionTokenOf(peeked.record), request.consume, check.now, check.writeDeadline);
    if (reason) return { record: peeked.record, reason };
    if (!request.consume) return peeked;
    const taken = readReply(await this.send(tokenHash, request, check, true, SESSIONS_OFF));
    const record = taken?.outcome.record;
    if (taken?.sessionOutcome === TOKEN_EXHAUSTED_MARK && record?.maxUses !== undefined) {
      void sessions.tokenExhausted(record.id, record.maxUses, check.now);
    }
    return taken?.outcome;
  }

  /** Sends the decision script; a plain function, not async: the caller's await is the only one (one promise less). */
  private send(
    tokenHash: string,
    request: AccessRequest,
    check: PolicyCheck,
    consume: boolean,
    sessionArgs: string,
  ): Promise<unknown> {
    batchDecisionWrites(this.context.redis);
    const { keys } = this.context;
    return this.script.send([
      keys.record(tokenHash),
      keys.sessions(tokenHash),
      keys.active(tokenHash),
      decisionArgsJson([
        this.now.of(check.now),
        request.action,
        request.appKey === undefined ? '0' : '1',
        request.appKey ?? '',
        request.stream === undefined ? '0' : '1',
        request.stream ?? '',
        check.clientIp?.hex ?? '',
        check.clientIp?.text ?? '',
        check.sessionId,
        consume ? '1' : '0',
        this.window.of(check.viewerWindowMs),
        this.recorded.of(check.recordedSessionsMax),
        this.retention.of(this.context.retentionMs),
        this.deadline.deadline(check.writeDeadline),
      ]),
      // Last, whatever comes before it: the session scripts read it as ARGV[#ARGV].
      sessionArgs,
    ]);
  }
}

/** The decision script's reply (see AUTHORIZE_SCRIPT); undefined: no such token. */
function readReply(reply: unknown): { outcome: PolicyOutcome; sessionOutcome: string } | undefined {
  if (!Array.isArray(reply)) return undefined;
  const reason = reply[0] === undefined ? undefined : String(reply[0]);
  const revokedAt = reply[1] === undefined ? '' : String(reply[1]);
  const sessionOutcome = reply[2] === undefined ? '' : String(reply[2]);
  if (reason === PAST_DEADLINE) throw new PastDeadlineError();
  // The record after those three, by position (see AUTHORIZE_SCRIPT): `data` alone, or the compact fields with `x`
  // last when the record has it; revocation has its own place.
  const fields = recordFieldsAt(reply);
  if (revokedAt) fields.revokedAt = revokedAt;
  const record = reason === UNREADABLE_RECORD ? undefined : readRecord(fields);
  if (!record) return { outcome: { record: null, reason: 'unreadable_record' }, sessionOutcome };
  return { outcome: { record, reason: reason ? (reason as TokenDenyReason) : null }, sessionOutcome };
}

/** The record's fields as AUTHORIZE_SCRIPT replies them: 4 elements, `data`; 7 or 8, `i`, `s`, `e`, `c` and `x`. */
function recordFieldsAt(reply: unknown[]): Record<string, string> {
  if (reply.length === 4) return { data: String(reply[3]) };
  const fields: Record<string, string> = {};
  if (reply.length < 7) return fields;
  fields.i = String(reply[3]);
  fields.s = String(reply[4]);
  fields.e = String(reply[5]);
  fields.c = String(reply[6]);
  if (reply.length > 7) fields.x = String(reply[7]);
  return fields;
}
