// The write deadline's Lua in a module of its own: the session scripts compose it, and the decision script
// (redis-scripts.ts, which re-exports it) composes theirs, so neither module imports the other for it.

/**
 * Refuses to change state once the decision's write deadline (ARGV: wall-clock ms, Date.now() scale) has passed by
 * Redis's clock: by then the service has answered without the store (issue 13: a script queued behind a stalled
 * Redis must not burn the token of a request that was refused). Defines `late()`.
 */
export const DEADLINE_LUA = `
local function late(deadline)
  local t = redis.call('TIME')
  -- Decimal integers all three (TIME's, and deadlineArg's): arithmetic converts each once, where tonumber() parses
  -- a string twice (lua_isnumber, then lua_tonumber: ~1k instructions, issue 15). Not a number fails either way.
  return t[1] * 1000 + math.floor(t[2] / 1000) >= deadline + 0
end
`;

/** The decision scripts' answer for a state change refused past its write deadline. */
export const PAST_DEADLINE = 'past_deadline';
