/**
 * Freezes a value and everything it holds, so that an object shared between callers cannot be changed by one of them
 * (a write throws in strict mode). An object frozen already is taken as frozen through, as the shared parts are.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
