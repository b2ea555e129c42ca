import type { RedisClient } from './redis-client.js';

/** One Lua script to register as a command: how many of its arguments are keys, and its source. */
export interface ScriptSpec {
  keys: number;
  lua: string;
}

/**
 * Registers Lua scripts as commands of the client (ioredis sends EVALSHA, and the script once when Redis does not
 * know it yet) and returns the client typed with those commands. ioredis's types cannot know commands made at run
 * time, so this is the one place that says what they look like; every script's reply is checked by its caller.
 */
export function defineScripts<Commands extends { [Name in keyof Commands]: (...args: never[]) => Promise<unknown> }>(
  redis: RedisClient,
  specs: { [Name in keyof Commands]: ScriptSpec },
): Commands {
  for (const [name, spec] of Object.entries(specs) as [string, ScriptSpec][]) {
    redis.defineCommand(name, { numberOfKeys: spec.keys, lua: spec.lua });
  }
  return redis as unknown as Commands;
}

/** The specs of scripts that all take `keys` keys, from their sources by command name. */
export function withKeys<Name extends string>(keys: number, luaByName: Record<Name, string>): Record<Name, ScriptSpec> {
  const specs = {} as Record<Name, ScriptSpec>;
  for (const name of Object.keys(luaByName) as Name[]) specs[name] = { keys, lua: luaByName[name] };
  return specs;
}
