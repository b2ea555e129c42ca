import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { readEnvFile, renderShippedConfig, renderTemplate, SHIPPED_ENV_FILE, SHIPPED_TEMPLATE } from './nginx-server.js';

describe('the shipped nginx template (docker/nginx/)', () => {
  const template = readFileSync(SHIPPED_TEMPLATE, 'utf8');
  const defaults = readEnvFile(readFileSync(SHIPPED_ENV_FILE, 'utf8'));

  test('every placeholder has a default in nginx.env, and nginx.env lists nothing the template does not use', () => {
    const placeholders = new Set([...template.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((match) => match[1]));
    assert.deepEqual([...placeholders].sort(), Object.keys(defaults).sort());
  });

  test('no nginx variable is written with braces, which envsubst in the nginx image could replace', () => {
    assert.deepEqual(template.match(/\$\{[a-z_][a-z0-9_]*\}/g), null);
  });

  test('renders with the defaults, leaving no placeholder', () => {
    assert.doesNotMatch(renderShippedConfig({}), /\$\{/);
  });

  test('a placeholder without a value is an error, not a broken config', () => {
    assert.throws(() => renderTemplate('listen ${NGINX_HTTPS_LISTEN};', {}), /NGINX_HTTPS_LISTEN/);
    assert.throws(() => renderShippedConfig({ NOT_A_PLACEHOLDER: 'x' }), /NOT_A_PLACEHOLDER/);
  });
});
