import { RECORD_LUA } from './redis-record-codec.js';

/**
 * The Lua scripts of the Redis store's admin side (issue, change, revoke, index). Like the decision's, each touches
 * only one token's keys (`{<hash>}` hash tag) or only the index keys (`{idx}`), never both (Redis Cluster).
 * Records of both forms are read (redis-record-codec.ts); the compact form is the one written.
 */

/**
 * Marks a record revoked, once, if it is still there by the service's clock. In a script because HSETNX on a key
 * that has just expired would recreate it without a TTL; the first revocation time is kept. KEYS: 1 record.
 * ARGV: 1 revoked at (ms), 2 now (the service's clock, ms), 3 retention ms. Returns the record's fields, or false
 * when there is none or it is past expiry + retention by ARGV 2 (as every read of the store decides).
 */
export const REVOKE_SCRIPT = `
${RECORD_LUA}
local fields = hashFields(KEYS[1])
if not hasRecord(fields) then return false end
local r = decodeRecord(fields)
if type(r) == 'table' and type(r.expiresAt) == 'number'
  and r.expiresAt + tonumber(ARGV[3]) <= tonumber(ARGV[2]) then return false end
redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/**
 * Rollback helpers: delete only what this call wrote, never a record that happened to exist already.
 * KEYS: 1 record, 2 session ledger, 3 active viewers. ARGV: 1 fingerprint of the record written (fingerprintOf).
 */
export const DELETE_IF_OURS_SCRIPT = `
${RECORD_LUA}
if fingerprint(hashFields(KEYS[1])) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
`;

/** KEYS: 1 listing index, 2 id map. ARGV: 1 index member, 2 token id, 3 hash (as in the id map). */
export const DELETE_ID_IF_OURS_SCRIPT = `
if redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[2])
`;

/**
 * Creates a record with its expiry in one step, so no record can exist without a TTL (the expiry is checked
 * before anything is written: a script error does not undo earlier writes).
 * KEYS: 1 record. ARGV: 1 purge at (ms), 2 ip ranges JSON or '', 3… the record's fields (field, value, …).
 * Returns 0 if the key exists.
 */
export const CREATE_SCRIPT = `
if not string.match(ARGV[1], '^%d+$') then return redis.error_reply('ERR purge time must be an integer') end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'ipRanges', ARGV[2]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`;

/**
 * Replaces a record if it is still the one the caller read (compare and set on fingerprintOf), in the compact form
 * whatever form it had, and moves the expiry of all the token's keys. KEYS: 1 record, 2 session ledger, 3 active
 * viewers. ARGV: 1 fingerprint read, 2 purge at (ms), 3 ip ranges JSON or '', 4 forget the bound IP (1/0),
 * 5 forget active viewers (1/0), 6… the new record's fields (field, value, …).
 * Returns 1 done, 0 changed meanwhile (read again), -1 revoked, -2 gone.
 */
export const UPDATE_SCRIPT = `
${RECORD_LUA}
if not string.match(ARGV[2], '^%d+$') then return redis.error_reply('ERR purge time must be an integer') end
local current = hashFields(KEYS[1])
if not hasRecord(current) then return -2 end
if current.revokedAt then return -1 end
if fingerprint(current) ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], unpack(RECORD_FIELDS))
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], 'ipRanges') else redis.call('HSET', KEYS[1], 'ipRanges', ARGV[3]) end
if ARGV[4] == '1' then redis.call('HDEL', KEYS[1], 'boundIp') end
if ARGV[5] == '1' then redis.call('DEL', KEYS[3]) end
for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], ARGV[2]) end
return 1
`;

/**
 * Makes each of KEYS live at least until ARGV[at] (ms): a key's expiry only moves later, so the index keys expire
 * with the last record they list and no key of the service lives without a TTL. Defines extendTo(key, at).
 */
const EXTEND_LUA = `
local function extendTo(key, at)
  local ttl = redis.call('PTTL', key)
  if ttl == -2 then return end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if ttl == -1 or now + ttl < tonumber(at) then redis.call('PEXPIREAT', key, at) end
end
`;

/**
 * Writes a token's index entries. KEYS: 1 listing index, 2 id map, 3 expiry index (entries written before issue 15).
 * ARGV: 1 member, 2 token id, 3 hash (base64url), 4 purge at (ms), 5 new entry (1: add the member and the id,
 * refused when the id is taken; 0: the purge time moved: move it in the expiry index too, where an entry written
 * before issue 15 under ARGV 6 (its old member) may be). Returns 1, or 0 when the id is taken.
 */
export const INDEX_SCRIPT = `
${EXTEND_LUA}
if not string.match(ARGV[4], '^%d+$') then return redis.error_reply('ERR purge time must be an integer') end
if ARGV[5] == '1' then
  if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 0 then return 0 end
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
else
  redis.call('ZADD', KEYS[3], 'XX', ARGV[4], ARGV[6])
  extendTo(KEYS[3], ARGV[4])
end
extendTo(KEYS[1], ARGV[4])
extendTo(KEYS[2], ARGV[4])
return 1
`;

/**
 * Index housekeeping. Drops the entries written before issue 15 whose record is past its purge time (the expiry
 * index), then hands back the next window of compact entries, which have no purge time in Redis: the caller drops
 * those whose record is gone. The window starts where the last one ended (KEYS 4), stops before ARGV 3 (entries
 * younger than the retention, whose records cannot have expired yet) and wraps there.
 * KEYS: 1 listing index, 2 expiry index, 3 id map, 4 sweep position. ARGV: 1 now, 2 window size, 3 the first
 * position not looked at (exclusive, ZRANGEBYLEX form).
 * Returns {dropped, {member, hash or '', …}}.
 */
export const PRUNE_INDEX_SCRIPT = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #gone > 0 then
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[1], unpack(gone))
end
local from = redis.call('GET', KEYS[4])
local window = redis.call('ZRANGEBYLEX', KEYS[1], from and ('(' .. from) or '-', ARGV[3], 'LIMIT', 0, tonumber(ARGV[2]))
if #window < tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[4])
else
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[4], window[#window], 'PX', ttl) end
end
local out = {}
for _, member in ipairs(window) do
  -- A compact entry is the 36-character position '<createdAt, 15 digits>:<id>'; older ones carry ':<hash>' after it.
  if #member == 36 then
    out[#out + 1] = member
    out[#out + 1] = redis.call('HGET', KEYS[3], string.sub(member, 17)) or ''
  end
end
return {#gone, out}
`;
