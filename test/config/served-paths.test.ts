import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { ConfigError, loadConfig, SERVED_PATHS } from '../../src/config.js';
import { withTestApp } from '../helpers/test-app.js';

const DECISION_PATHS = ['WCS_HOOK_BASE_PATH', 'NGINX_AUTH_PATH'] as const;

function problemFor(variable: string, value: string): string | undefined {
  try {
    loadConfig({ [variable]: value });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.find((problem) => problem.startsWith(`${variable}:`));
  }
  return undefined;
}

/** Every spelling of a decision path that would shadow `served`: equal (any case, trailing slash), containing it, inside it. */
function clashingSpellings(served: string): string[] {
  const parent = served.slice(0, served.lastIndexOf('/'));
  return [served, served.toUpperCase(), `${served}/`, `${served.toUpperCase()}/`, `${served}/x`, ...(parent ? [parent, `${parent}/`] : [])];
}

describe('the decision paths may not shadow a route the app serves', () => {
  test('SERVED_PATHS covers health, metrics, JWKS and the admin API', () => {
    assert.deepEqual([...SERVED_PATHS].sort(), ['/.well-known/jwks.json', '/healthz', '/metrics', '/readyz', '/v1']);
  });

  for (const variable of DECISION_PATHS) {
    for (const served of SERVED_PATHS) {
      for (const value of clashingSpellings(served)) {
        test(`${variable}=${value} is refused, naming ${variable} and ${served}`, () => {
          const problem = problemFor(variable, value);
          assert.ok(problem, `${variable}=${value} was accepted`);
          assert.match(problem, /service's own/);
          assert.ok(problem.includes(served), problem);
        });
      }
    }

    for (const value of ['/', '/wcs', '/nginx/auth', '/hooks/wcs', '/v10', '/v1x/auth', '/healthzz', '/metrics-proxy', '/well-known']) {
      test(`${variable}=${value} shadows nothing and is accepted`, () => {
        assert.equal(problemFor(variable, value), undefined);
      });
    }
  }

  test('the message names the variable, the path and the default to fall back on', () => {
    assert.equal(problemFor('NGINX_AUTH_PATH', '/healthz'), "NGINX_AUTH_PATH: /healthz is the service's own endpoint; choose another path (default /nginx/auth)");
    assert.equal(problemFor('WCS_HOOK_BASE_PATH', '/V1/'), "WCS_HOOK_BASE_PATH: /V1 is the service's own endpoint /v1; choose another path (default /wcs)");
    assert.equal(
      problemFor('WCS_HOOK_BASE_PATH', '/.well-known'),
      "WCS_HOOK_BASE_PATH: /.well-known contains the service's own endpoint /.well-known/jwks.json; choose another path (default /wcs)",
    );
    assert.equal(problemFor('NGINX_AUTH_PATH', '/v1/auth'), "NGINX_AUTH_PATH: /v1/auth lies inside the service's own /v1; choose another path (default /nginx/auth)");
  });

  test('every path in SERVED_PATHS is answered by the app (the list is not stale)', () =>
    withTestApp({ store: 'memory' }, async (t) => {
      for (const served of SERVED_PATHS) {
        const path = served === '/v1' ? '/v1/tokens' : served;
        const response = await request(t.app).get(path);
        assert.notEqual(response.status, 404, `GET ${path}`);
      }
    }));
});
