import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The shipped files under docker/: tests read the queries from them rather than repeating them. */
export const DOCKER_DIR = fileURLToPath(new URL('../../docker/', import.meta.url));
export const PROMETHEUS_CONFIG = `${DOCKER_DIR}prometheus/prometheus.yml`;
export const ALERT_RULES = `${DOCKER_DIR}prometheus/alerts.yml`;
export const ALERT_TESTS = `${DOCKER_DIR}prometheus/alerts.test.yml`;
export const DASHBOARD = `${DOCKER_DIR}grafana/dashboards/wcs-token-auth.json`;
export const COMPOSE = `${DOCKER_DIR}compose.yaml`;

export interface DashboardTarget {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
  legendFormat?: string;
}

export interface DashboardPanel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}

export interface TemplateVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
  allValue?: string;
  includeAll?: boolean;
}

export interface Dashboard {
  uid?: string;
  title?: string;
  panels?: DashboardPanel[];
  templating?: { list?: TemplateVariable[] };
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

/** Every panel, including those nested in collapsed rows. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
}

export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title ?? `panel ${panel.id}`, refId: target.refId ?? '?', expr: target.expr ?? '' })),
  );
}

export function variableQuery(variable: TemplateVariable): string {
  return typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
}

/**
 * Expands Grafana's variables as Grafana would before sending a query to Prometheus. `$__rate_interval` becomes
 * `rateInterval`; `$name` and `${name}` take `values[name]`. A variable without a value is an error, so a
 * dashboard that starts using a new variable cannot slip through untested.
 */
export function interpolateGrafana(expr: string, values: Record<string, string>, rateInterval: string): string {
  const expanded = expr
    .replaceAll('$__rate_interval', rateInterval)
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const value = values[name];
      if (value === undefined) throw new Error(`no test value for Grafana variable ${whole} in: ${expr}`);
      return value;
    });
  return expanded;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function loadAlertRules(): AlertRule[] {
  const doc = parse(readFileSync(ALERT_RULES, 'utf8')) as { groups?: { rules?: AlertRule[] }[] };
  return (doc.groups ?? []).flatMap((group) => group.rules ?? []).filter((rule) => typeof rule.alert === 'string');
}

/** A program from Debian's `prometheus` package, if this machine has it. */
export function hasProgram(name: 'prometheus' | 'promtool'): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

export const PROMETHEUS_MISSING =
  'prometheus/promtool not found on PATH: install the Debian package `prometheus` ' +
  '(scripts/install-system-deps.sh does it in CI: apt-get install -y prometheus)';
