import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { generateOpaqueToken, generateTokenId, hashToken } from '../../src/tokens/opaque-token.js';
import { OpaqueTokenVerifier } from '../../src/tokens/opaque-token-verifier.js';
import type { TokenRecord } from '../../src/tokens/token-record.js';
import { TokenConflictError, type TokenStore } from '../../src/tokens/token-store.js';
import type { AccessRequest } from '../../src/tokens/token-verifier.js';
import type { ManualClock } from '../helpers/manual-clock.js';
import { recordFor } from './token-store.contract.js';

export interface PolicyStoreUnderTest {
  store: TokenStore;
  clock: ManualClock;
  retentionMs: number;
  /** Redis: every stored key of the token expires at `purgeAt`. Memory: no keys to read. */
  assertTokenKeysExpireAt?(tokenHash: string, id: string, purgeAt: number): Promise<void>;
}

const WINDOW_MS = 30_000;
const RECORDED_MAX = 3;

function accessRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    stream: 'test',
    appKey: 'defaultApp',
    action: 'play',
    clientIp: '192.0.2.10',
    viewerSessionId: 'session-A',
    consume: true,
    ...overrides,
  };
}

/**
 * The policy semantics every TokenStore must share, through the real verifier (the decision path of the hook):
 * what is allowed, what is refused and why, and what state a decision leaves. Run by one file per store.
 */
export function tokenPoliciesContract(name: string, setup: () => Promise<PolicyStoreUnderTest>): void {
  describe(`token policies contract: ${name}`, () => {
    let s: PolicyStoreUnderTest;
    let verifier: OpaqueTokenVerifier;
    beforeEach(async () => {
      s = await setup();
      verifier = new OpaqueTokenVerifier({
        store: s.store,
        clock: s.clock,
        sessions: { viewerWindowMs: WINDOW_MS, recordedSessionsMax: RECORDED_MAX },
      });
    });

    const issue = async (overrides: Partial<TokenRecord> = {}) => {
      const token = generateOpaqueToken();
      const record = recordFor(s.clock, { appKeys: null, expiresAt: s.clock.now() + 3_600_000, ...overrides });
      await s.store.create(hashToken(token), record);
      return { token, record, hash: hashToken(token) };
    };
    const decide = async (token: string, overrides: Partial<AccessRequest> = {}) => {
      const verdict = await verifier.verify(token, accessRequest(overrides));
      return verdict.valid ? 'valid' : verdict.reason;
    };
    const usageOf = async (id: string) => (await s.store.findEntryById(id))?.usage;
    const sessionIds = async (id: string) => (await s.store.listSessions(id))?.map((session) => session.id);

    describe('maxUses', () => {
      it('maxUses 1: the first session is allowed, its repeats are allowed and use nothing, a second session is refused', async () => {
        const { token, record } = await issue({ maxUses: 1 });
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        for (let i = 0; i < 3; i++) assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'use_limit_reached');
        assert.deepEqual(await usageOf(record.id), { uses: 1, boundIp: null });
        assert.deepEqual(await sessionIds(record.id), ['A']);
      });

      it('maxUses N admits N distinct sessions, any of them again, and no other', async () => {
        const { token, record } = await issue({ maxUses: 3 });
        for (const session of ['A', 'B', 'C', 'A', 'C']) assert.equal(await decide(token, { viewerSessionId: session }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'D' }), 'use_limit_reached');
        assert.equal((await usageOf(record.id))?.uses, 3);
      });

      it('a refused request uses nothing: after refusals for stream, app, action and IP, a one-time token still admits a session', async () => {
        const { token, record } = await issue({ maxUses: 1, appKeys: ['defaultApp'], allowedIps: ['192.0.2.0/24'] });
        assert.equal(await decide(token, { viewerSessionId: 'X1', stream: 'other' }), 'stream_not_allowed');
        assert.equal(await decide(token, { viewerSessionId: 'X2', appKey: 'otherApp' }), 'app_not_allowed');
        assert.equal(await decide(token, { viewerSessionId: 'X3', action: 'publish' }), 'action_not_allowed');
        assert.equal(await decide(token, { viewerSessionId: 'X4', clientIp: '198.51.100.1' }), 'ip_not_allowed');
        assert.deepEqual(await usageOf(record.id), { uses: 0, boundIp: null });
        assert.deepEqual(await sessionIds(record.id), []);
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
      });

      it('a check that does not consume changes nothing but answers as a consuming check would', async () => {
        const { token, record } = await issue({ maxUses: 1 });
        assert.equal(await decide(token, { viewerSessionId: 'A', consume: false }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'B', consume: false }), 'valid');
        assert.deepEqual(await sessionIds(record.id), []);
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'B', consume: false }), 'use_limit_reached');
        assert.equal(await decide(token, { viewerSessionId: 'A', consume: false }), 'valid');
        assert.deepEqual(await usageOf(record.id), { uses: 1, boundIp: null });
      });

      it('without a viewer session id, client IP + stream is the session', async () => {
        const { token, record } = await issue({ maxUses: 1 });
        assert.equal(await decide(token, { viewerSessionId: undefined, clientIp: '192.0.2.10' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: undefined, clientIp: '::ffff:192.0.2.10' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: undefined, clientIp: '192.0.2.11' }), 'use_limit_reached');
        assert.deepEqual(await sessionIds(record.id), ['ip:192.0.2.10/test']);
      });

      it('with neither a session id nor a client IP every request is a new session (never more than the limit)', async () => {
        const { token } = await issue({ maxUses: 1 });
        assert.equal(await decide(token, { viewerSessionId: undefined, clientIp: undefined }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: undefined, clientIp: undefined }), 'use_limit_reached');
      });
    });

    describe('maxViewers', () => {
      it('maxViewers 2: two sessions at once; a third is refused until one has been silent for the window', async () => {
        const { token } = await issue({ maxViewers: 2 });
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'C' }), 'viewer_limit_reached');
        s.clock.advance(20_000);
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid', 'an active session may always continue');
        s.clock.advance(WINDOW_MS - 20_000 - 1);
        assert.equal(await decide(token, { viewerSessionId: 'C' }), 'viewer_limit_reached', 'B is active until the window has passed');
        s.clock.advance(1);
        assert.equal(await decide(token, { viewerSessionId: 'C' }), 'valid', 'B has been silent for the whole window');
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'viewer_limit_reached');
      });

      it('refused and non-consuming requests take no viewer slot', async () => {
        const { token } = await issue({ maxViewers: 1, streams: ['test'] });
        assert.equal(await decide(token, { viewerSessionId: 'A', consume: false }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'X', stream: 'other' }), 'stream_not_allowed');
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'viewer_limit_reached');
      });

      it('with maxUses too, a session refused for the viewer cap does not use up a use', async () => {
        const { token, record } = await issue({ maxUses: 2, maxViewers: 1 });
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'viewer_limit_reached');
        assert.equal((await usageOf(record.id))?.uses, 1);
        s.clock.advance(WINDOW_MS);
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'valid');
        s.clock.advance(WINDOW_MS);
        assert.equal(await decide(token, { viewerSessionId: 'C' }), 'use_limit_reached');
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid', 'a started session may come back');
      });
    });

    describe('client IP rules', () => {
      const cases: { allowedIps: string[]; clientIp: string | undefined; expected: string }[] = [
        { allowedIps: ['203.0.113.0/24'], clientIp: '203.0.113.7', expected: 'valid' },
        { allowedIps: ['203.0.113.0/24'], clientIp: '::ffff:203.0.113.7', expected: 'valid' },
        { allowedIps: ['203.0.113.0/24'], clientIp: '203.0.114.7', expected: 'ip_not_allowed' },
        { allowedIps: ['203.0.113.0/24'], clientIp: undefined, expected: 'ip_not_allowed' },
        { allowedIps: ['198.51.100.128/25'], clientIp: '198.51.100.129', expected: 'valid' },
        { allowedIps: ['198.51.100.128/25'], clientIp: '198.51.100.127', expected: 'ip_not_allowed' },
        { allowedIps: ['198.51.100.7'], clientIp: '198.51.100.7', expected: 'valid' },
        { allowedIps: ['198.51.100.7'], clientIp: '198.51.100.8', expected: 'ip_not_allowed' },
        { allowedIps: ['2001:db8::/32'], clientIp: '2001:DB8:0:0:1::5', expected: 'valid' },
        { allowedIps: ['2001:db8::/33'], clientIp: '2001:db8:7fff::1', expected: 'valid' },
        { allowedIps: ['2001:db8::/33'], clientIp: '2001:db8:8000::1', expected: 'ip_not_allowed' },
        { allowedIps: ['2001:db8::/32'], clientIp: '203.0.113.7', expected: 'ip_not_allowed' },
        { allowedIps: ['0.0.0.0/0'], clientIp: '2001:db8::1', expected: 'ip_not_allowed' },
        { allowedIps: ['::/0'], clientIp: '203.0.113.7', expected: 'valid' },
        { allowedIps: ['10.0.0.0/8', '2001:db8::/32'], clientIp: 'fe80::1%eth0', expected: 'ip_not_allowed' },
        { allowedIps: ['10.0.0.0/8', 'fe80::/10'], clientIp: 'fe80::1%eth0', expected: 'valid' },
      ];
      for (const c of cases) {
        it(`allowedIps ${c.allowedIps.join(',')} and client ${c.clientIp ?? '(unknown)'}: ${c.expected}`, async () => {
          const { token } = await issue({ allowedIps: c.allowedIps });
          assert.equal(await decide(token, { clientIp: c.clientIp }), c.expected);
        });
      }

      it('bindIpOnFirstUse binds to the first allowed, consuming request; other IPs and unknown IPs are refused', async () => {
        const { token, record } = await issue({ bindIpOnFirstUse: true });
        assert.equal(await decide(token, { clientIp: '198.51.100.1', stream: 'other' }), 'stream_not_allowed');
        assert.equal(await decide(token, { clientIp: '198.51.100.2', consume: false }), 'valid');
        assert.equal((await usageOf(record.id))?.boundIp, null, 'refused and non-consuming requests bind nothing');
        assert.equal(await decide(token, { clientIp: '::ffff:192.0.2.10', viewerSessionId: 'A' }), 'valid');
        assert.equal((await usageOf(record.id))?.boundIp, '192.0.2.10');
        assert.equal(await decide(token, { clientIp: '192.0.2.10', viewerSessionId: 'B' }), 'valid');
        assert.equal(await decide(token, { clientIp: '192.0.2.11', viewerSessionId: 'A' }), 'ip_mismatch');
        assert.equal(await decide(token, { clientIp: undefined, viewerSessionId: 'A' }), 'ip_mismatch');
      });

      it('a token bound to an IP refuses everyone while no client IP is known', async () => {
        const { token, record } = await issue({ bindIpOnFirstUse: true });
        assert.equal(await decide(token, { clientIp: undefined }), 'ip_mismatch');
        assert.equal((await usageOf(record.id))?.uses, 0);
      });
    });

    describe('order of reasons and scope', () => {
      it('rules are reported before limits: revoked, disabled and IP come before use_limit_reached', async () => {
        const one = await issue({ maxUses: 1, allowedIps: ['192.0.2.0/24'] });
        assert.equal(await decide(one.token, { viewerSessionId: 'A' }), 'valid');
        assert.equal(await decide(one.token, { viewerSessionId: 'B', clientIp: '198.51.100.1' }), 'ip_not_allowed');
        const disabled = await issue({ maxUses: 1, disabled: true });
        assert.equal(await decide(disabled.token), 'disabled');
        await s.store.revoke(one.record.id, s.clock.now());
        assert.equal(await decide(one.token, { viewerSessionId: 'B' }), 'revoked');
        assert.equal(await decide(one.token, { viewerSessionId: 'A' }), 'revoked', 'revocation ends started sessions too');
      });

      it('a request that names no stream (connect) is checked without the stream rule', async () => {
        const { token } = await issue({ streams: ['elsewhere'] });
        assert.equal(await decide(token, { stream: undefined, consume: false }), 'valid');
        assert.equal(await decide(token, { stream: 'test', consume: false }), 'stream_not_allowed');
      });

      it('refuses an unknown token', async () => {
        assert.equal(await decide(generateOpaqueToken()), 'unknown_token');
      });
    });

    describe('session records', () => {
      it('records id, first IP, first and last seen of each session, oldest first', async () => {
        const { token, record } = await issue();
        const t0 = s.clock.now();
        assert.equal(await decide(token, { viewerSessionId: 'A', clientIp: '192.0.2.10' }), 'valid');
        s.clock.advance(1000);
        assert.equal(await decide(token, { viewerSessionId: 'B', clientIp: '2001:db8::1' }), 'valid');
        s.clock.advance(4000);
        assert.equal(await decide(token, { viewerSessionId: 'A', clientIp: '192.0.2.99' }), 'valid');
        assert.deepEqual(await s.store.listSessions(record.id), [
          { id: 'A', ip: '192.0.2.10', firstSeenAt: t0, lastSeenAt: t0 + 5000 },
          { id: 'B', ip: '2001:db8::1', firstSeenAt: t0 + 1000, lastSeenAt: t0 + 1000 },
        ]);
        assert.equal(await s.store.listSessions(generateTokenId()), undefined);
      });

      it('a token without maxUses records at most recordedSessionsMax sessions and keeps allowing more', async () => {
        const { token, record } = await issue();
        for (const session of ['A', 'B', 'C', 'D', 'E']) assert.equal(await decide(token, { viewerSessionId: session }), 'valid');
        assert.deepEqual(await sessionIds(record.id), ['A', 'B', 'C']);
        assert.equal((await usageOf(record.id))?.uses, RECORDED_MAX);
      });
    });

    describe('update', () => {
      it('disable refuses the token, enable lets it in again with its sessions and uses kept', async () => {
        const { token, record } = await issue({ maxUses: 1 });
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        await s.store.update(record.id, ({ record: current }) => ({ ...current, disabled: true }), s.clock.now());
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'disabled');
        const enabled = await s.store.update(record.id, ({ record: current }) => ({ ...current, disabled: false }), s.clock.now());
        assert.equal(enabled?.record.disabled, false);
        assert.deepEqual(enabled?.usage, { uses: 1, boundIp: null });
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'use_limit_reached');
      });

      it('a new expiry moves the expiry of every stored key of the token', async () => {
        const { token, record, hash } = await issue({ maxUses: 5, maxViewers: 5 });
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        await s.assertTokenKeysExpireAt?.(hash, record.id, record.expiresAt + s.retentionMs);
        const expiresAt = record.expiresAt + 7_200_000;
        const updated = await s.store.update(record.id, ({ record: current }) => ({ ...current, expiresAt }), s.clock.now());
        assert.equal(updated?.record.expiresAt, expiresAt);
        assert.equal((await s.store.findById(record.id))?.expiresAt, expiresAt);
        await s.assertTokenKeysExpireAt?.(hash, record.id, expiresAt + s.retentionMs);
        s.clock.set(record.expiresAt + 1);
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid', 'valid past the old expiry');
        s.clock.set(expiresAt);
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'expired');
      });

      it('lowering maxUses below the sessions started stops new sessions; started ones go on', async () => {
        const { token, record } = await issue({ maxUses: 3 });
        for (const session of ['A', 'B']) assert.equal(await decide(token, { viewerSessionId: session }), 'valid');
        await s.store.update(record.id, ({ record: current }) => ({ ...current, maxUses: 1 }), s.clock.now());
        assert.equal(await decide(token, { viewerSessionId: 'B' }), 'valid');
        assert.equal(await decide(token, { viewerSessionId: 'C' }), 'use_limit_reached');
      });

      it('turning bindIpOnFirstUse off forgets the bound IP; turning it on again binds anew', async () => {
        const { token, record } = await issue({ bindIpOnFirstUse: true });
        assert.equal(await decide(token, { clientIp: '192.0.2.10' }), 'valid');
        const off = await s.store.update(
          record.id,
          ({ record: current }) => {
            const next = { ...current };
            delete next.bindIpOnFirstUse;
            return next;
          },
          s.clock.now(),
        );
        assert.equal(off?.usage.boundIp, null);
        assert.equal(await decide(token, { clientIp: '192.0.2.11' }), 'valid');
        await s.store.update(record.id, ({ record: current }) => ({ ...current, bindIpOnFirstUse: true }), s.clock.now());
        assert.equal(await decide(token, { clientIp: '192.0.2.12' }), 'valid');
        assert.equal(await decide(token, { clientIp: '192.0.2.10' }), 'ip_mismatch');
      });

      it('a revoked token cannot be changed, an unknown one is not found, and a failing change stores nothing', async () => {
        const { record } = await issue();
        await assert.rejects(
          s.store.update(record.id, () => {
            throw new RangeError('bad change');
          }, s.clock.now()),
          RangeError,
        );
        assert.deepEqual(await s.store.findById(record.id), record);
        await s.store.revoke(record.id, s.clock.now());
        await assert.rejects(
          s.store.update(record.id, ({ record: current }) => ({ ...current, disabled: true }), s.clock.now()),
          TokenConflictError,
        );
        assert.equal(await s.store.update(generateTokenId(), ({ record: current }) => current, s.clock.now()), undefined);
      });
    });

    describe('createMany', () => {
      it('saves every record, each findable by hash and id', async () => {
        const items = Array.from({ length: 5 }, () => ({ tokenHash: hashToken(generateOpaqueToken()), record: recordFor(s.clock) }));
        await s.store.createMany(items);
        for (const { tokenHash, record } of items) {
          assert.deepEqual(await s.store.findByHash(tokenHash), record);
          assert.deepEqual(await s.store.findById(record.id), record);
        }
      });

      it('is all or nothing: one clash saves none of the batch and leaves the existing record alone', async () => {
        const existing = await issue();
        const items = [
          { tokenHash: hashToken(generateOpaqueToken()), record: recordFor(s.clock) },
          { tokenHash: existing.hash, record: recordFor(s.clock) },
          { tokenHash: hashToken(generateOpaqueToken()), record: recordFor(s.clock) },
        ];
        await assert.rejects(s.store.createMany(items));
        for (const { tokenHash, record } of [items[0], items[2]].filter((item) => item !== undefined)) {
          assert.equal(await s.store.findByHash(tokenHash), undefined);
          assert.equal(await s.store.findById(record.id), undefined);
        }
        assert.equal(await s.store.findById(items[1]?.record.id ?? ''), undefined);
        assert.deepEqual(await s.store.findByHash(existing.hash), existing.record);
        const listed = await s.store.scan(undefined, 100, s.clock.now());
        assert.deepEqual(
          listed.entries.map(({ entry }) => entry.record.id),
          [existing.record.id],
          'the rolled-back records are not listed',
        );
      });
    });

    describe('scan', () => {
      it('lists newest first in pages; a position resumes exactly after the last one seen', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          ids.unshift((await issue()).record.id);
          s.clock.advance(1000);
        }
        const seen: string[] = [];
        let after: string | undefined;
        for (let page = 0; page < 5; page++) {
          const batch = await s.store.scan(after, 2, s.clock.now());
          seen.push(...batch.entries.map(({ entry }) => entry.record.id));
          if (batch.done) break;
          after = batch.last;
        }
        assert.deepEqual(seen, ids);
      });

      it('stops listing records once they are past expiry + retention', async () => {
        const short = await issue({ expiresAt: s.clock.now() + 1000 });
        const long = await issue();
        s.clock.advance(1000 + s.retentionMs);
        const batch = await s.store.scan(undefined, 10, s.clock.now());
        const listed = batch.entries.map(({ entry }) => entry.record.id);
        assert.ok(listed.includes(long.record.id));
        assert.ok(!listed.includes(short.record.id));
      });
    });

    describe('expiry + retention', () => {
      it('a decision past expiry + retention by the service clock finds no token, whatever the store keeps', async () => {
        const { token } = await issue({ expiresAt: s.clock.now() + 1000 });
        s.clock.advance(1000 + s.retentionMs - 1);
        assert.equal(await decide(token), 'expired');
        s.clock.advance(1);
        // Redis's own clock has not reached the key's expiry: the service clock decides, as in the memory store.
        assert.equal(await decide(token), 'unknown_token');
      });

      it('admin reads and writes past expiry + retention by the service clock find no token, whatever the store keeps', async () => {
        const { token, record, hash } = await issue({ expiresAt: s.clock.now() + 1000 });
        assert.equal(await decide(token, { viewerSessionId: 'A' }), 'valid');
        s.clock.advance(1000 + s.retentionMs - 1);
        assert.equal((await s.store.findById(record.id))?.id, record.id, 'still kept 1 ms before');
        assert.deepEqual(await sessionIds(record.id), ['A']);
        s.clock.advance(1);
        // Redis's own clock is far from the keys' expiry: only the service clock can say they are gone.
        assert.equal(await s.store.findById(record.id), undefined, 'findById');
        assert.equal(await s.store.findByHash(hash), undefined, 'findByHash');
        assert.equal(await s.store.findEntryById(record.id), undefined, 'findEntryById');
        assert.equal(await s.store.listSessions(record.id), undefined, 'listSessions');
        assert.equal(await s.store.update(record.id, (current) => ({ ...current.record, disabled: true }), s.clock.now()), undefined, 'update');
        assert.equal(await s.store.revoke(record.id, s.clock.now()), undefined, 'revoke');
        const listed = (await s.store.scan(undefined, 10, s.clock.now())).entries.map(({ entry }) => entry.record.id);
        assert.ok(!listed.includes(record.id), 'scan');
      });
    });
  });
}
