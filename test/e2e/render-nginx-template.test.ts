import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/free-port.js';
import { CERT_SCRIPT, renderShippedConfig, startNginx } from './nginx-server.js';
import { findProgram } from './programs.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/render-nginx-template.sh', import.meta.url));
const nginx = findProgram('nginx');
const envsubst = findProgram('envsubst');
const skip = !nginx || !envsubst ? `needs nginx and envsubst (apt-get install nginx gettext-base; scripts/install-system-deps.sh)` : false;

/** Runs the script with exactly `env` (plus PATH), as an operator would from a shell. */
function render(env: Record<string, string>, args: string[] = []) {
  return spawnSync('bash', [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('scripts/render-nginx-template.sh renders the shipped template outside Docker', { skip }, () => {
  let dir: string;
  let overrides: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wta-render-'));
    spawnSync('bash', [CERT_SCRIPT, join(dir, 'tls')], { encoding: 'utf8', timeout: 30_000 });
    overrides = {
      NGINX_HTTPS_LISTEN: `127.0.0.1:${await freePort()}`,
      NGINX_TLS_CERT: join(dir, 'tls', 'cert.pem'),
      NGINX_TLS_KEY: join(dir, 'tls', 'key.pem'),
      NGINX_CACHE_DIR: dir,
      WCS_HLS_ADDRESS: `127.0.0.1:${await freePort()}`,
      WTA_ADDRESS: `127.0.0.1:${await freePort()}`,
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('with the environment over nginx.env, the result is what the image renders and `nginx -t` accepts it', async () => {
    const result = render(overrides);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trimEnd(), renderShippedConfig(overrides).trimEnd(), 'the same as the env_file + environment rendering');
    // nginx's own variables are not environment variables: left alone.
    for (const variable of ['$request_uri', '$remote_addr', '$upstream_http_x_auth_token_id']) assert.ok(result.stdout.includes(variable), variable);
    // startNginx runs `nginx -t` on the file first and throws with nginx's message if it is refused.
    const server = await startNginx({ nginx: nginx!, dir, config: result.stdout, httpsPort: Number(overrides.NGINX_HTTPS_LISTEN!.split(':')[1]) });
    await server.stop();
  });

  it('writes to a file when given one', () => {
    const output = join(dir, 'out.conf');
    const result = render(overrides, [join(fileURLToPath(new URL('../../docker/nginx/templates/', import.meta.url)), 'wcs-hls.conf.template'), output]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(spawnSync('grep', ['-c', 'auth_request', output], { encoding: 'utf8' }).status, 0);
  });

  it('substitutes only defined variables, and refuses (exit 1, naming them) to leave placeholders without a value', () => {
    const result = render({ WCS_HLS_ADDRESS: 'wcs.internal:8445' }, ['-e', 'none']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no value for .*\$\{NGINX_HTTPS_LISTEN\}/);
    assert.doesNotMatch(result.stderr, /WCS_HLS_ADDRESS/, 'a defined variable is not reported');
    assert.equal(result.stdout, '');
  });

  it('refuses a WTA_TOKEN_PARAM that nginx cannot read as $arg_<name> (only letters, digits and _)', () => {
    for (const name of ['my.token', 'my-token', 'tok en', '', 'wta_sig', 'WTA_token']) {
      const result = render({ ...overrides, WTA_TOKEN_PARAM: name });
      assert.equal(result.status, 1, name);
      assert.match(result.stderr, /WTA_TOKEN_PARAM must be 1-64 letters, digits or _/, name);
      assert.equal(result.stdout, '', name);
    }
    assert.equal(render({ ...overrides, WTA_TOKEN_PARAM: 'aclAuth_2' }).status, 0);
  });

  it('NGINX_ENVSUBST_FILTER limits substitution to matching names, as in the image', () => {
    const result = render({ ...overrides, NGINX_ENVSUBST_FILTER: '^WCS_' });
    assert.equal(result.status, 1, 'the other placeholders are left, so the script refuses');
    assert.doesNotMatch(result.stderr, /WCS_HLS_ADDRESS/);
    assert.match(result.stderr, /WTA_ADDRESS/);
  });
});
