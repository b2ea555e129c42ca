import { z } from 'zod';
import { adminEnv, adminSettings } from './admin-settings.js';
import { decisionEnv, decisionSettings } from './decision-settings.js';
import type { ReportProblem } from './env-values.js';
import { jwtEnv, jwtSettings } from './jwt-settings.js';
import { processEnv, processSettings } from './process-settings.js';
import { resilienceEnv, resilienceSettings } from './resilience-settings.js';
import { sessionsEnv, sessionsSettings } from './sessions-settings.js';
import { storeEnv, storeSettings } from './store-settings.js';

/**
 * Every setting the service reads, with its rule and default: the only place that looks at the environment.
 * README's configuration table documents the same names (test/docs/config-table.test.ts holds them equal).
 */
export const envSchema = z.object({
  ...processEnv,
  ...decisionEnv,
  ...storeEnv,
  ...resilienceEnv,
  ...adminEnv,
  ...jwtEnv,
  ...sessionsEnv,
});

/**
 * The environment parsed into the shapes the code reads. A check that spans several variables reports a problem
 * naming the variable to change, as the schema does for each one, so every problem is listed at once.
 * `env` is the raw environment, for JWT key specs that name another variable (`env:NAME`).
 */
export function configSchema(env: Readonly<Record<string, string | undefined>>) {
  return envSchema.transform((e, ctx) => {
    const report: ReportProblem = (variable, message) => ctx.addIssue({ code: 'custom', path: [variable], message });
    return {
      ...processSettings(e, report),
      ...decisionSettings(e, report),
      ...storeSettings(e, report),
      ...resilienceSettings(e),
      ...adminSettings(e, report),
      ...jwtSettings(e, env, report),
      ...sessionsSettings(e, report),
    };
  });
}
