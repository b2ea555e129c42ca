import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  ALERT_RULES,
  ALERT_TESTS,
  allPanels,
  COMPOSE,
  dashboardQueries,
  DOCKER_DIR,
  hasProgram,
  loadAlertRules,
  loadDashboard,
  PROMETHEUS_CONFIG,
  PROMETHEUS_MISSING,
  variableQuery,
} from '../helpers/observability-files.js';

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('promtool on the shipped Prometheus files', () => {
  const skip = hasProgram('promtool') ? false : PROMETHEUS_MISSING;

  it('`promtool check config` accepts docker/prometheus/prometheus.yml (and the rule file it names)', { skip }, () => {
    const { status, output } = promtool('check', 'config', PROMETHEUS_CONFIG);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 1 rule files found/);
  });

  it('`promtool check rules` accepts docker/prometheus/alerts.yml', { skip }, () => {
    const { status, output } = promtool('check', 'rules', ALERT_RULES);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${loadAlertRules().length} rules found`));
  });

  it('`promtool test rules` passes every alert unit test in docker/prometheus/alerts.test.yml', { skip }, () => {
    const { status, output } = promtool('test', 'rules', ALERT_TESTS);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });
});

describe('alert rules', () => {
  const rules = loadAlertRules();

  it('cover the five required situations', () => {
    const exprs = rules.map((rule) => rule.expr).join('\n');
    assert.match(exprs, /wcs_auth_store_up == 0/, 'store unavailable');
    assert.match(exprs, /result="deny"/, 'deny ratio');
    assert.match(exprs, /histogram_quantile\(0\.99,[^\n]*wcs_auth_decision_duration_seconds_bucket/, 'decision latency p99');
    assert.match(exprs, /reason="bad_signature"/, 'signature failures');
    assert.match(exprs, /up\{job="wcs-token-auth"\} == 0/, 'instance down');
    assert.equal(rules.length, new Set(rules.map((rule) => rule.alert)).size, 'alert names are unique');
  });

  it('each has a severity, a summary, a description and a `for` duration', () => {
    for (const rule of rules) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, rule.alert);
      assert.ok(rule.annotations?.summary && rule.annotations.description, rule.alert);
      assert.match(rule.for ?? '', /^\d+[smh]$/, rule.alert);
    }
  });

  it('each is unit-tested both firing and not firing in alerts.test.yml', () => {
    const doc = parse(readFileSync(ALERT_TESTS, 'utf8')) as {
      rule_files?: string[];
      tests?: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    assert.deepEqual(doc.rule_files, ['alerts.yml']);
    const cases = (doc.tests ?? []).flatMap((test) => test.alert_rule_test ?? []);
    const names = new Set(rules.map((rule) => rule.alert));
    for (const testCase of cases) assert.ok(names.has(testCase.alertname), `test for unknown alert ${testCase.alertname}`);
    for (const name of names) {
      const mine = cases.filter((testCase) => testCase.alertname === name);
      assert.ok(mine.some((testCase) => (testCase.exp_alerts ?? []).length > 0), `${name} is never tested firing`);
      assert.ok(mine.some((testCase) => (testCase.exp_alerts ?? []).length === 0), `${name} is never tested not firing`);
    }
  });
});

describe('Grafana dashboard docker/grafana/dashboards/wcs-token-auth.json', () => {
  const dashboard = loadDashboard();
  const panels = allPanels(dashboard).filter((panel) => panel.type !== 'row');
  const variables = dashboard.templating?.list ?? [];

  it('has a uid, a title and a Prometheus datasource template variable', () => {
    assert.equal(dashboard.uid, 'wcs-token-auth');
    assert.ok(dashboard.title);
    const datasource = variables.find((variable) => variable.type === 'datasource');
    assert.equal(datasource?.name, 'datasource');
    assert.equal(datasource?.query, 'prometheus');
  });

  it('every panel has the datasource variable, a unit, and targets that each have a refId and a PromQL expr', () => {
    assert.ok(panels.length >= 10);
    for (const panel of panels) {
      const name = panel.title ?? `panel ${panel.id}`;
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, name);
      assert.ok(panel.fieldConfig?.defaults?.unit, `${name} has no unit`);
      assert.ok((panel.targets ?? []).length > 0, `${name} has no query`);
      for (const target of panel.targets ?? []) {
        assert.ok(target.refId, `${name} target without refId`);
        assert.ok(target.expr?.trim(), `${name} ${target.refId} has no expr`);
        assert.deepEqual(target.datasource, panel.datasource, `${name} ${target.refId} datasource`);
      }
    }
  });

  it('panel ids are unique and panels do not overlap on the grid', () => {
    assert.equal(new Set(panels.map((panel) => panel.id)).size, panels.length);
    const cells = new Set<string>();
    for (const panel of panels) {
      const { x, y, w, h } = panel.gridPos ?? { x: 0, y: 0, w: 0, h: 0 };
      assert.ok(w > 0 && h > 0 && x + w <= 24, `${panel.title} gridPos`);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          assert.ok(!cells.has(`${i},${j}`), `${panel.title} overlaps another panel`);
          cells.add(`${i},${j}`);
        }
      }
    }
  });

  it('covers decisions by result, deny by reason, latency p50/p95/p99, store, admin, HTTP and process health', () => {
    const exprs = dashboardQueries(dashboard).map((query) => query.expr);
    const has = (pattern: RegExp, what: string) => assert.ok(exprs.some((expr) => pattern.test(expr)), what);
    has(/sum by \(result\) \(rate\(wcs_auth_decisions_total/, 'decisions per second by result');
    has(/sum by \(reason\) \(rate\(wcs_auth_decisions_total\{result="deny"/, 'deny rate by reason');
    for (const q of ['0.5', '0.95', '0.99']) has(new RegExp(`histogram_quantile\\(${q}, .*wcs_auth_decision_duration_seconds_bucket`), `decision p${q}`);
    has(/wcs_auth_store_errors_total/, 'store errors');
    has(/wcs_auth_store_operation_duration_seconds_bucket/, 'store latency');
    has(/wcs_auth_store_up/, 'store up');
    has(/wcs_auth_admin_token_operations_total/, 'admin token operations');
    has(/wcs_auth_admin_auth_failures_total/, 'admin auth failures');
    has(/wcs_auth_http_requests_total/, 'HTTP requests');
    has(/process_cpu_seconds_total/, 'CPU');
    has(/process_resident_memory_bytes/, 'memory');
    has(/nodejs_eventloop_lag/, 'event loop lag');
    has(/nodejs_gc_duration_seconds/, 'GC');
  });

  it('uses only template variables it defines (plus Grafana built-ins) and filters every query by job and instance', () => {
    const defined = new Set(variables.map((variable) => variable.name));
    const texts = [...dashboardQueries(dashboard).map((query) => query.expr), ...variables.map(variableQuery)];
    for (const text of texts) {
      for (const match of text.matchAll(/\$\{?(\w+)/g)) {
        const name = match[1] ?? '';
        assert.ok(name.startsWith('__') || defined.has(name), `undefined variable $${name} in ${text}`);
      }
    }
    for (const { panel, expr } of dashboardQueries(dashboard)) {
      const selectors = [...expr.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\{([^}]*)\}/g)].map((match) => match[1] ?? '');
      assert.ok(selectors.length > 0, `${panel}: no selector`);
      for (const selector of selectors) assert.match(selector, /job="\$job", instance=~"\$instance"/, `${panel}: ${expr}`);
    }
  });
});

describe('compose stack docker/compose.yaml', () => {
  interface Service {
    build?: { context?: string; dockerfile?: string };
    image?: string;
    command?: string[] | string;
    environment?: Record<string, string>;
    volumes?: string[];
    healthcheck?: unknown;
  }
  const compose = parse(readFileSync(COMPOSE, 'utf8')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const services = compose.services;

  it('runs the service built from docker/Dockerfile with the Redis store, and Redis with AOF persistence on a volume', () => {
    const app = services['wcs-token-auth'];
    assert.equal(app?.build?.dockerfile, 'docker/Dockerfile');
    assert.ok(existsSync(join(DOCKER_DIR, app?.build?.context ?? '', app?.build?.dockerfile ?? '')));
    assert.equal(app?.environment?.TOKEN_STORE, 'redis');
    assert.match(app?.environment?.REDIS_URL ?? '', /^redis:\/\/redis:6379$/);
    const redis = services.redis;
    const command = Array.isArray(redis?.command) ? redis.command.join(' ') : (redis?.command ?? '');
    assert.match(command, /--appendonly yes/);
    assert.ok(redis?.volumes?.some((volume) => volume.endsWith(':/data')), 'Redis data on a volume');
    assert.ok(redis?.healthcheck);
  });

  it('Prometheus scrapes the metrics port the service is given, and loads the alert rules', () => {
    const metricsPort = services['wcs-token-auth']?.environment?.METRICS_PORT;
    const config = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const job = config.scrape_configs.find((scrape) => scrape.job_name === 'wcs-token-auth');
    assert.deepEqual(job?.static_configs[0]?.targets, [`wcs-token-auth:${metricsPort}`]);
    assert.deepEqual(config.rule_files, ['alerts.yml']);
    assert.ok(services.prometheus?.volumes?.includes('./prometheus:/etc/prometheus:ro'));
  });

  it('Grafana gets the provisioned datasource and the dashboard at the path its provider reads', () => {
    const volumes = services.grafana?.volumes ?? [];
    assert.ok(volumes.includes('./grafana/provisioning:/etc/grafana/provisioning:ro'));
    const provider = parse(readFileSync(join(DOCKER_DIR, 'grafana/provisioning/dashboards/wcs-token-auth.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const path = provider.providers[0]?.options.path;
    assert.ok(volumes.includes(`./grafana/dashboards:${path}:ro`), `dashboards mounted at ${path}`);
    const datasources = parse(readFileSync(join(DOCKER_DIR, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: { type: string; url: string }[];
    };
    assert.deepEqual(
      datasources.datasources.map((ds) => [ds.type, ds.url]),
      [['prometheus', 'http://prometheus:9090']],
    );
  });

  it('has an nginx service, and every bind-mounted file or directory exists in the repository (or is made by a shipped script)', () => {
    assert.ok(services.nginx?.image?.startsWith('nginx'));
    // The TLS directory is generated by docker/nginx/gen-self-signed-cert.sh (its default output), not committed.
    const generated = new Set(['./nginx/tls']);
    assert.match(readFileSync(join(DOCKER_DIR, 'nginx/gen-self-signed-cert.sh'), 'utf8'), /dirname "\$0"\)\/tls/);
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.')) {
          assert.ok(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is declared`);
          continue;
        }
        if (generated.has(source)) continue;
        assert.ok(existsSync(join(DOCKER_DIR, source)), `${name}: ${source} exists`);
      }
    }
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));

  it('is multi-stage, builds with `npm run build`, and runs dist/main.js as a non-root user with a HEALTHCHECK', () => {
    assert.ok(instructions.filter((line) => line.startsWith('FROM ')).length >= 2, 'multi-stage');
    assert.ok(instructions.some((line) => /^RUN .*npm run build/.test(line)));
    const users = instructions.filter((line) => line.startsWith('USER '));
    assert.ok(users.length > 0 && !/^USER (root|0)\b/.test(users.at(-1) ?? ''), 'last USER is not root');
    assert.ok(instructions.some((line) => line.startsWith('HEALTHCHECK ')));
    assert.match(instructions.filter((line) => line.startsWith('CMD ')).at(-1) ?? '', /dist\/main\.js/);
  });

  it('runs on a supported Node.js (22 LTS or 24) and starts node itself, so SIGTERM reaches the service', () => {
    for (const from of instructions.filter((line) => line.startsWith('FROM '))) assert.match(from, /^FROM node:(22|24)[-.\w]*\b/, from);
    // Exec form with node first: no npm or shell between the container runtime's signal and the service.
    assert.equal(instructions.filter((line) => line.startsWith('CMD ')).at(-1), 'CMD ["node", "dist/main.js"]');
  });
});
