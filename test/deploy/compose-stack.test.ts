import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { envSchema, loadConfig } from '../../src/config.js';
import { hexInRange, parseCidrList } from '../../src/shared/ip-address.js';

const DOCKER_DIR = fileURLToPath(new URL('../../docker/', import.meta.url));
const read = (path: string) => readFileSync(join(DOCKER_DIR, path), 'utf8');

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  networks?: Record<string, { ipv4_address?: string } | null>;
  volumes?: string[];
}
const compose = parse(read('compose.yaml')) as {
  services: Record<string, ComposeService>;
  networks: Record<string, { ipam: { config: { subnet: string }[] } }>;
};

/** `KEY=value` lines of an env file. */
function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('compose: docker/.env.example and docker/init-env.sh', () => {
  const example = envFile(read('.env.example'));

  it('.env.example sets every variable compose.yaml interpolates', () => {
    const used = new Set([...read('compose.yaml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]!));
    assert.ok(used.size > 0);
    for (const name of used) assert.ok(name in example, `${name} is in .env.example`);
  });

  it('the service settings it passes are ones the service knows and accepts', () => {
    const service = compose.services['wcs-token-auth']!;
    const known = new Set(Object.keys(envSchema.shape));
    for (const name of Object.keys(service.environment ?? {})) assert.ok(known.has(name), `${name} is a setting of the service`);
    // As compose would resolve them from .env.example (after init-env.sh has put in a real key).
    const resolved = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([name, value]) => [
        name,
        value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::[-?][^}]*)?\}/g, (_all, variable: string) => example[variable] ?? ''),
      ]),
    );
    assert.doesNotThrow(() => loadConfig({ ...resolved, ADMIN_API_KEYS: 'backend=an-admin-key-of-24-characters' }));
  });

  it('init-env.sh writes .env with a new admin key only its owner can read, prints that key, and never overwrites', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wta-compose-env-'));
    try {
      copyFileSync(join(DOCKER_DIR, '.env.example'), join(dir, '.env.example'));
      copyFileSync(join(DOCKER_DIR, 'init-env.sh'), join(dir, 'init-env.sh'));
      const run = spawnSync('bash', [join(dir, 'init-env.sh'), 'wcs.internal:8445'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 0, run.stderr);
      const written = envFile(readFileSync(join(dir, '.env'), 'utf8'));
      const key = /^backend=(wta_admin_[0-9a-f]{48})$/.exec(written.ADMIN_API_KEYS ?? '')?.[1];
      assert.ok(key, `a generated key in ${written.ADMIN_API_KEYS}`);
      assert.ok(run.stdout.includes(key), 'the key is shown to whoever starts the stack');
      assert.equal(written.WCS_HLS_ADDRESS, 'wcs.internal:8445');
      assert.equal(statSync(join(dir, '.env')).mode & 0o077, 0, '.env is private to its owner');
      assert.equal(loadConfig({ ADMIN_API_KEYS: written.ADMIN_API_KEYS }).adminKeys?.length, 1);
      const again = spawnSync('bash', [join(dir, 'init-env.sh')], { encoding: 'utf8', timeout: 30_000 });
      assert.notEqual(again.status, 0);
      assert.equal(envFile(readFileSync(join(dir, '.env'), 'utf8')).ADMIN_API_KEYS, written.ADMIN_API_KEYS, 'the first key is kept');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docker/.env is ignored by git', () => {
    const check = spawnSync('git', ['check-ignore', '-q', 'docker/.env'], { cwd: join(DOCKER_DIR, '..') });
    assert.equal(check.status, 0);
  });
});

describe('compose: trusted proxies and alerting', () => {
  it('TRUSTED_PROXY_CIDRS is nginx’s fixed address, inside the stack’s own network and nothing else', () => {
    const subnet = parseCidrList(Object.values(compose.networks)[0]!.ipam.config[0]!.subnet)[0]!;
    const nginxAddress = Object.values(compose.services.nginx?.networks ?? {})[0]?.ipv4_address;
    assert.ok(nginxAddress, 'nginx has a fixed address');
    const example = envFile(read('.env.example'));
    const trusted = loadConfig({ TRUSTED_PROXY_CIDRS: example.TRUSTED_PROXY_CIDRS! }).trustedProxies;
    assert.equal(trusted.length, 1);
    assert.equal(example.TRUSTED_PROXY_CIDRS, `${nginxAddress}/32`);
    assert.ok(trusted.every((range) => range.bits >= subnet.bits && hexInRange(range.hex, subnet)), 'inside the network, no wider');
    assert.match(compose.services['wcs-token-auth']?.environment?.TRUSTED_PROXY_CIDRS ?? '', new RegExp(`:-${nginxAddress}/32\\}`));
    for (const [name, service] of Object.entries(compose.services)) assert.ok(service.networks && 'wta' in service.networks, `${name} is on the stack network`);
  });

  it('Prometheus sends its alerts to the stack’s Alertmanager, whose route names a receiver it defines', () => {
    const prometheus = parse(read('prometheus/prometheus.yml')) as { alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };
    assert.deepEqual(prometheus.alerting.alertmanagers[0]?.static_configs[0]?.targets, ['alertmanager:9093']);
    assert.ok(compose.services.alertmanager?.image?.startsWith('prom/alertmanager'));
    assert.ok(compose.services.alertmanager?.volumes?.includes('./alertmanager:/etc/alertmanager:ro'));
    interface Route {
      receiver?: string;
      routes?: Route[];
    }
    const config = parse(read('alertmanager/alertmanager.yml')) as { route: Route; receivers: { name: string }[] };
    const names = new Set(config.receivers.map((receiver) => receiver.name));
    const visit = (route: Route) => {
      if (route.receiver !== undefined) assert.ok(names.has(route.receiver), `receiver ${route.receiver} is defined`);
      for (const child of route.routes ?? []) visit(child);
    };
    assert.ok(config.route.receiver, 'the top route has a receiver');
    visit(config.route);
  });
});
