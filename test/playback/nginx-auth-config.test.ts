import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration of the nginx auth_request endpoint', () => {
  test('defaults: /nginx/auth, loopback proxies trusted, -<digits>p variant suffix', () => {
    const config = loadConfig({});
    assert.equal(config.nginxAuthPath, '/nginx/auth');
    assert.deepEqual(
      config.trustedProxies.map((range) => range.cidr),
      ['127.0.0.0/8', '::1/128'],
    );
    assert.equal('live-1080p'.replace(config.nginxStreamVariantSuffix ?? /$^/, ''), 'live');
  });

  test('TRUSTED_PROXY_CIDRS=none trusts no proxy; NGINX_STREAM_VARIANT_SUFFIX=none keeps stream names whole', () => {
    const config = loadConfig({ TRUSTED_PROXY_CIDRS: 'none', NGINX_STREAM_VARIANT_SUFFIX: 'none' });
    assert.deepEqual(config.trustedProxies, []);
    assert.equal(config.nginxStreamVariantSuffix, null);
  });

  const invalid: [string, string, RegExp][] = [
    ['NGINX_AUTH_PATH', 'nginx/auth', /NGINX_AUTH_PATH: must be a URL path/],
    ['NGINX_AUTH_PATH', '/healthz', /NGINX_AUTH_PATH: \/healthz is the service's own endpoint/],
    ['NGINX_AUTH_PATH', '/metrics', /NGINX_AUTH_PATH: \/metrics is the service's own endpoint/],
    ['TRUSTED_PROXY_CIDRS', '10.0.0.0/40', /TRUSTED_PROXY_CIDRS: "10\.0\.0\.0\/40" has a prefix length over 32/],
    ['TRUSTED_PROXY_CIDRS', 'proxy.local', /TRUSTED_PROXY_CIDRS: "proxy\.local" is not an IP address/],
    ['NGINX_STREAM_VARIANT_SUFFIX', '-(720p', /NGINX_STREAM_VARIANT_SUFFIX: must be a valid regular expression/],
  ];
  for (const [name, value, message] of invalid) {
    test(`${name}=${value} stops the service with a message naming ${name}`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }
});
