/**
 * The Lua scripts of the Redis store's admin side (issue, change, revoke, index). Like the decision's, each touches
 * only one token's keys (`{<hash>}` hash tag) or only the index keys (`{idx}`), never both (Redis Cluster).
 */

/**
 * Marks a record revoked, once, if it is still there by the service's clock. In a script because HSETNX on a key
 * that has just expired would recreate it without a TTL; the first revocation time is kept. KEYS: 1 record.
 * ARGV: 1 revoked at (ms), 2 now (the service's clock, ms), 3 retention ms. Returns the record's fields, or false
 * when there is none or it is past expiry + retention by ARGV 2 (as every read of the store decides).
 */
export const REVOKE_SCRIPT = `
local data = redis.call('HGET', KEYS[1], 'data')
if not data then return false end
local decoded, r = pcall(cjson.decode, data)
if decoded and type(r) == 'table' and type(r.expiresAt) == 'number'
  and r.expiresAt + tonumber(ARGV[3]) <= tonumber(ARGV[2]) then return false end
redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/** Rollback helpers: delete only what this call wrote, never a record that happened to exist already. */
export const DELETE_IF_OURS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'data') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
`;
export const DELETE_ID_IF_OURS_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/**
 * Creates a record with its expiry in one step, so no record can exist without a TTL (the expiry is checked
 * before anything is written: a script error does not undo earlier writes).
 * KEYS: 1 record. ARGV: 1 data, 2 purge at (ms), 3 ip ranges JSON or ''. Returns 0 if the key exists.
 */
export const CREATE_SCRIPT = `
if not string.match(ARGV[2], '^%d+$') then return redis.error_reply('ERR purge time must be an integer') end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'ipRanges', ARGV[3]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

/**
 * Replaces a record if it is still the one the caller read (compare and set), and moves the expiry of all the
 * token's keys. KEYS: 1 record, 2 session ledger, 3 active viewers. ARGV: 1 data read, 2 new data, 3 purge at (ms),
 * 4 ip ranges JSON or '', 5 forget the bound IP (1/0), 6 forget active viewers (1/0).
 * Returns 1 done, 0 changed meanwhile (read again), -1 revoked, -2 gone.
 */
export const UPDATE_SCRIPT = `
if not string.match(ARGV[3], '^%d+$') then return redis.error_reply('ERR purge time must be an integer') end
local current = redis.call('HGET', KEYS[1], 'data')
if not current then return -2 end
if redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'ipRanges') else redis.call('HSET', KEYS[1], 'ipRanges', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HDEL', KEYS[1], 'boundIp') end
if ARGV[6] == '1' then redis.call('DEL', KEYS[3]) end
for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
return 1
`;

/**
 * Writes a token's index entries, and makes both index keys expire with the last record they list (the highest
 * purge time), so that no key of the service lives without a TTL. KEYS: 1 listing index, 2 expiry index.
 * ARGV: 1 member, 2 purge at (ms), 3 new entry (1: add to both; 0: move the purge time of an entry, if listed).
 */
export const INDEX_SCRIPT = `
if not string.match(ARGV[2], '^%d+$') then return redis.error_reply('ERR purge time must be an integer') end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[1])
end
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if last[2] then
  local at = string.format('%.0f', tonumber(last[2]))
  redis.call('PEXPIREAT', KEYS[1], at)
  redis.call('PEXPIREAT', KEYS[2], at)
end
return 1
`;

/** Drops index entries of records past their purge time. KEYS: 1 listing index, 2 expiry index. ARGV: 1 now. */
export const PRUNE_INDEX_SCRIPT = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #gone > 0 then
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[1], unpack(gone))
end
return #gone
`;
