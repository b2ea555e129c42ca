import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { parse } from 'yaml';
import { freePort } from '../helpers/free-port.js';
import {
  ALERT_RULES,
  dashboardQueries,
  hasProgram,
  interpolateGrafana,
  loadAlertRules,
  loadDashboard,
  PROMETHEUS_CONFIG,
  PROMETHEUS_MISSING,
  variableQuery,
} from '../helpers/observability-files.js';
import { startPrometheus, type PromSeries, type TestPrometheus } from '../helpers/prometheus-server.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { newerPlayHlsBody, olderPlayHlsBody, pretty, wcsSignature } from '../helpers/wcs-bodies.js';

const ADMIN_KEY = `prometheus-test-admin-${randomBytes(8).toString('hex')}`;
const METRICS_TOKEN = `prometheus-test-metrics-${randomBytes(8).toString('hex')}`;
const SIGNING_SECRET = `prometheus-test-signing-${randomBytes(8).toString('hex')}`;
const JWT_SECRET = `prometheus-test-jwt-${randomBytes(16).toString('hex')}`;
const STREAM = `live-${randomBytes(5).toString('hex')}`;
const OTHER_STREAM = `other-${randomBytes(5).toString('hex')}`;
/** Grafana's `$__rate_interval`: any window that spans the whole (short) test works. */
const RATE_INTERVAL = '5m';
const ROUNDS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `sum by (a, b) (...)` at the start of an expression: the labels each result series must carry. */
function outerGrouping(expr: string): string[] {
  const match = /^\s*(?:sum|min|max|avg|count) by \(([^)]*)\)/.exec(expr);
  return match?.[1]?.split(',').map((label) => label.trim()).filter(Boolean) ?? [];
}

function skipReason(): string | false {
  if (!hasProgram('prometheus')) return PROMETHEUS_MISSING;
  if (process.env.REDIS_URL) return 'needs a redis-server it starts (and kills) itself: unset REDIS_URL';
  return false;
}

describe('a real Prometheus scraping the service evaluates every dashboard and alert query', { skip: skipReason() }, () => {
  let redis: TestRedis;
  let service: ServiceProcess;
  let prometheus: TestPrometheus;
  let serviceInstance: string;
  let deadInstance: string;
  let job: string;
  const secrets: string[] = [ADMIN_KEY, METRICS_TOKEN, SIGNING_SECRET, JWT_SECRET];
  const unbounded: string[] = [STREAM, OTHER_STREAM];

  const admin = (method: string, path: string, body?: unknown, key = ADMIN_KEY) =>
    fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const hook = async (body: unknown, signed = true) => {
    const raw = pretty(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signed) headers.authorization = wcsSignature(SIGNING_SECRET, raw);
    const res = await fetch(`${service.url}/wcs/playHLS`, { method: 'POST', headers, body: raw });
    await res.arrayBuffer();
    return res.status;
  };
  const issue = async (streams: string[]) => {
    const res = await admin('POST', '/v1/tokens', { streams, ttlSeconds: 600 });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { token: string; record: { id: string } };
    secrets.push(body.token);
    unbounded.push(body.record.id);
    return { token: body.token, id: body.record.id };
  };

  /** Polls (bounded by count) until `check` passes; the last failure is rethrown. */
  const eventually = async (what: string, check: () => Promise<void>, attempts = 120, everyMs = 250) => {
    let last: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        return await check();
      } catch (error) {
        last = error;
        await sleep(everyMs);
      }
    }
    throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}\n${prometheus?.output.join('\n') ?? ''}`);
  };

  before(async () => {
    redis = await startTestRedis();
    // Session webhooks to a port where nothing listens: every delivery fails (the webhook alert and panels), and a
    // one-second window with a one-second sweep ends sessions as idle between rounds (the session panels).
    const deadReceiver = `http://127.0.0.1:${await freePort()}/hooks`;
    service = await startServiceProcess(
      {
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        METRICS_BEARER_TOKEN: METRICS_TOKEN,
        TOKEN_STORE: 'redis',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.keyPrefix,
        ADMIN_API_KEYS: `admin=${ADMIN_KEY}`,
        WCS_SIGNING_SECRET: SIGNING_SECRET,
        // JWTs too, for the verified-JWT cache panel.
        JWT_KEYS: 'prom:HS256=env:PROM_TEST_JWT_SECRET',
        PROM_TEST_JWT_SECRET: JWT_SECRET,
        // Long enough that a loaded machine never turns a healthy lookup into store_unavailable.
        STORE_TIMEOUT_MS: '1000',
        STORE_HEALTH_CHECK_INTERVAL_MS: '250',
        LOG_LEVEL: 'info',
        WEBHOOK_URL: deadReceiver,
        WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        WEBHOOK_RETRY_INITIAL_MS: '100',
        VIEWER_SESSION_WINDOW_SECONDS: '1',
        SESSION_SWEEP_INTERVAL_SECONDS: '1',
      },
      // A 1 MB young generation makes V8 collect garbage within the test's few hundred requests, so the GC panel
      // has data; with the default (16 MB) a short test may see no collection at all.
      { nodeArgs: ['--max-semi-space-size=1'] },
    );
    serviceInstance = new URL(service.metricsUrl).host;
    // A second target where nothing listens: an instance that is down, for the instance-down alert.
    deadInstance = `127.0.0.1:${await freePort()}`;

    // The shipped scrape job, pointed at the test's targets, scraping every second, with the shipped rules.
    const shipped = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as {
      global?: Record<string, unknown>;
      scrape_configs: { job_name: string; [key: string]: unknown }[];
    };
    const shippedJob = shipped.scrape_configs.find((scrape) => scrape.job_name === 'wcs-token-auth');
    assert.ok(shippedJob, 'docker/prometheus/prometheus.yml has a wcs-token-auth job');
    job = shippedJob.job_name;
    prometheus = await startPrometheus({
      global: { ...shipped.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [ALERT_RULES],
      scrape_configs: [
        {
          ...shippedJob,
          authorization: { type: 'Bearer', credentials: METRICS_TOKEN },
          static_configs: [{ targets: [serviceInstance, deadInstance] }],
        },
      ],
    });
    await eventually('the service is scraped', async () => {
      const up = await prometheus.query(`up{job="${job}"}`);
      assert.deepEqual(up.map((series) => [series.metric.instance, series.value[1]]).sort(), [
        [deadInstance, '0'],
        [serviceInstance, '1'],
      ].sort());
    });

    // Traffic in rounds a little longer apart than the scrape interval, so counters rise between samples.
    const allowed = await issue([STREAM]);
    const elsewhere = await issue([OTHER_STREAM]);
    const revoked = await issue([STREAM]);
    assert.equal((await admin('DELETE', `/v1/tokens/${revoked.id}`)).status, 200);
    const jwtToken = jwt.sign({ streams: [STREAM], jti: randomBytes(8).toString('hex') }, JWT_SECRET, { algorithm: 'HS256', keyid: 'prom', expiresIn: 600 });
    secrets.push(jwtToken);
    for (let round = 0; round < ROUNDS; round++) {
      // The same JWT every round, as a player's reloads present it: the first check is a miss, the rest hits.
      assert.equal(await hook(newerPlayHlsBody({ name: STREAM }, { token: jwtToken })), 200);
      assert.equal(await hook(newerPlayHlsBody({ name: STREAM }, { token: allowed.token })), 200);
      assert.equal(await hook(olderPlayHlsBody({ name: STREAM, token: allowed.token })), 200);
      assert.equal(await hook(newerPlayHlsBody({ name: STREAM }, { token: allowed.token })), 200);
      const unknown = `wta_${randomBytes(32).toString('base64url')}`;
      secrets.push(unknown);
      assert.equal(await hook(newerPlayHlsBody({ name: STREAM }, { token: unknown })), 403);
      assert.equal(await hook(olderPlayHlsBody({ name: STREAM, token: unknown })), 403);
      assert.equal(await hook(newerPlayHlsBody({ name: STREAM })), 403);
      assert.equal(await hook(newerPlayHlsBody({ name: STREAM }, { token: elsewhere.token })), 403);
      assert.equal(await hook(olderPlayHlsBody({ name: STREAM, token: revoked.token })), 403);
      assert.equal(await hook(newerPlayHlsBody({ name: STREAM }, { token: allowed.token }), false), 403);
      assert.equal((await admin('GET', `/v1/tokens/${allowed.id}`)).status, 200);
      assert.equal((await admin('GET', `/v1/tokens/${allowed.id}`, undefined, `${ADMIN_KEY}-wrong`)).status, 401);
      await sleep(1200);
    }

    // The webhook queue's hash becomes a string: a revocation is stored but its token.revoked cannot be queued
    // (the lost-events alert and panel).
    await redis.client.set(`${redis.keyPrefix}{sess}:qd`, 'not a hash');
    const lostEvent = await issue([STREAM]);
    assert.equal((await admin('DELETE', `/v1/tokens/${lostEvent.id}`)).status, 200);
    await sleep(1200);

    // Redis stalls: decisions wait STORE_TIMEOUT_MS and get the failure policy (slow denials, timeouts).
    redis.stall();
    try {
      const statuses = await Promise.all(Array.from({ length: 5 }, () => hook(newerPlayHlsBody({ name: STREAM }, { token: allowed.token }))));
      assert.deepEqual(statuses, [403, 403, 403, 403, 403]);
    } finally {
      redis.resume();
    }
    await sleep(1200);
    // Redis dies and stays dead: the health check marks the store down, decisions fail over to the policy.
    await redis.kill();
    const afterKill = await Promise.all(Array.from({ length: 3 }, () => hook(newerPlayHlsBody({ name: STREAM }, { token: allowed.token }))));
    assert.deepEqual(afterKill, [403, 403, 403]);

    // Every shipped alert's condition now holds: Prometheus has each of them pending (or firing).
    const alertNames = loadAlertRules().map((rule) => rule.alert);
    await eventually('every alert is pending or firing', async () => {
      const { alerts } = await prometheus.api<{ alerts: { labels: { alertname: string }; state: string }[] }>('/api/v1/alerts');
      const active = new Set(alerts.filter((alert) => alert.state === 'pending' || alert.state === 'firing').map((alert) => alert.labels.alertname));
      assert.deepEqual(alertNames.filter((name) => !active.has(name)), []);
    });
    // Store errors are counted when the store client gives up on a command, which can come after the decision's
    // own timeout; a rate needs two scrapes of the series. Wait for both before the dashboard queries run.
    await eventually('store errors scraped twice', async () => {
      const series = await prometheus.query('count_over_time(wcs_auth_store_errors_total{kind=~"timeout|connection"}[1m]) >= 2');
      assert.ok(series.length > 0);
    });
  });

  after(async () => {
    await prometheus?.stop();
    await service?.stop();
    await redis?.stop();
  });

  it('the generated config (the shipped job, test targets, bearer credentials) passes `promtool check config`', { skip: hasProgram('promtool') ? false : PROMETHEUS_MISSING }, () => {
    const result = spawnSync('promtool', ['check', 'config', prometheus.configPath], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('Prometheus scrapes METRICS_PORT with the bearer token: the service target is healthy', async () => {
    const { activeTargets } = await prometheus.api<{ activeTargets: { labels: { instance: string }; health: string; lastError: string }[] }>(
      '/api/v1/targets',
    );
    const target = activeTargets.find((candidate) => candidate.labels.instance === serviceInstance);
    assert.equal(target?.health, 'up', target?.lastError);
  });

  it('every alert rule loads and evaluates without error', async () => {
    const { groups } = await prometheus.api<{ groups: { rules: { name: string; type: string; health: string; lastError?: string }[] }[] }>(
      '/api/v1/rules',
    );
    const rules = groups.flatMap((group) => group.rules);
    assert.deepEqual(rules.map((rule) => rule.name).sort(), loadAlertRules().map((rule) => rule.alert).sort());
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
  });

  describe('alert expressions, as shipped in docker/prometheus/alerts.yml', () => {
    for (const rule of loadAlertRules()) {
      it(`${rule.alert}: parses and returns a series for the condition the test drove`, async () => {
        const result = await prometheus.query(rule.expr);
        assert.ok(result.length > 0, `no series from ${rule.expr}`);
        for (const series of result) assert.equal(series.metric.job, job);
        const instances = result.map((series) => series.metric.instance);
        assert.ok(instances.includes(rule.alert === 'WcsAuthInstanceDown' ? deadInstance : serviceInstance), instances.join());
      });
    }
  });

  describe('dashboard queries, as shipped in docker/grafana/dashboards/wcs-token-auth.json', () => {
    const results = new Map<string, PromSeries[]>();
    for (const { panel, refId, expr } of dashboardQueries(loadDashboard())) {
      it(`"${panel}" ${refId}: parses and returns series carrying its grouping labels`, async () => {
        const promql = interpolateGrafana(expr, { job, instance: '.*' }, RATE_INTERVAL);
        const result = await prometheus.query(promql);
        results.set(expr, result);
        assert.ok(result.length > 0, `no series from ${promql}`);
        for (const label of outerGrouping(promql)) {
          for (const series of result) assert.ok(series.metric[label], `${label} missing in ${JSON.stringify(series.metric)}`);
        }
      });
    }

    const valuesOf = (grouping: string, label: string, metric: string) => {
      const entry = [...results].find(([expr]) => outerGrouping(expr).join() === grouping && expr.includes(metric));
      assert.ok(entry, `a dashboard query grouped by (${grouping}) over ${metric}`);
      return new Set(entry[1].map((series) => series.metric[label]));
    };

    it('decisions by result show both allow and deny', () => {
      assert.deepEqual([...valuesOf('result', 'result', 'wcs_auth_decisions_total')].sort(), ['allow', 'deny']);
    });

    it('deny rate by reason shows every reason the test drove, and no allow reason', () => {
      const reasons = valuesOf('reason', 'reason', 'wcs_auth_decisions_total');
      for (const reason of ['unknown_token', 'missing_token', 'stream_not_allowed', 'revoked', 'bad_signature', 'store_unavailable']) {
        assert.ok(reasons.has(reason), `${reason} missing from ${[...reasons].join()}`);
      }
      assert.ok(!reasons.has('valid'));
    });

    it('store errors show the failures the stalled and killed Redis caused', () => {
      const kinds = valuesOf('store,operation,kind', 'kind', 'wcs_auth_store_errors_total');
      assert.ok(kinds.has('timeout') || kinds.has('connection'), [...kinds].join());
    });

    it('admin activity shows issued and revoked tokens and refused keys', () => {
      assert.deepEqual([...valuesOf('operation', 'operation', 'wcs_auth_admin_token_operations_total')].sort(), ['issue', 'revoke']);
      assert.ok(valuesOf('reason', 'reason', 'wcs_auth_admin_auth_failures_total').has('invalid'));
    });
  });

  it('every dashboard template variable query finds values (label_values over the series Prometheus holds)', async () => {
    const variables = (loadDashboard().templating?.list ?? []).filter((variable) => variable.type === 'query');
    assert.ok(variables.length > 0);
    for (const variable of variables) {
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(interpolateGrafana(variableQuery(variable), { job }, RATE_INTERVAL));
      assert.ok(match, `${variable.name}: ${variableQuery(variable)} is not label_values(selector, label)`);
      const [, selector = '', label = ''] = match;
      const series = await prometheus.api<Record<string, string>[]>('/api/v1/series', { 'match[]': selector });
      const values = new Set(series.map((labels) => labels[label]));
      assert.ok(values.has(variable.name === 'job' ? job : serviceInstance), `${variable.name}: ${[...values].join()}`);
    }
  });

  it('no label value stored in Prometheus is a token, secret, stream name or token id', async () => {
    const labels = await prometheus.api<string[]>('/api/v1/labels');
    assert.ok(labels.includes('reason') && labels.includes('route'));
    for (const label of labels) {
      const values = await prometheus.api<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values`);
      for (const value of values) {
        for (const forbidden of [...secrets, ...unbounded]) assert.ok(!value.includes(forbidden), `${label}="${value}"`);
      }
    }
  });

  it('/metrics as scraped carries no token, secret, stream name or token id', async () => {
    const text = await (await fetch(`${service.metricsUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    assert.match(text, /wcs_auth_decisions_total\{method="playHLS",result="deny",reason="store_unavailable"/);
    for (const forbidden of [...secrets, ...unbounded]) assert.ok(!text.includes(forbidden), forbidden.slice(0, 10));
  });

  it("the service's own log lines carry no token or secret", () => {
    const decisions = service.output.filter((line) => line.includes('"event":"decision"'));
    assert.ok(decisions.length >= ROUNDS * 9, `${decisions.length} decision lines`);
    const text = service.output.join('\n');
    for (const secret of secrets) assert.ok(!text.includes(secret), secret.slice(0, 10));
  });
});
