import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SERVICE_VERSION } from '../../src/shared/version.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('one version, reported everywhere', () => {
  const packageVersion = (JSON.parse(read('package.json')) as { version: string }).version;

  it('the service reports package.json’s version, a semantic version', () => {
    assert.match(packageVersion, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    assert.equal(SERVICE_VERSION, packageVersion);
  });

  it('openapi.yaml’s info.version is the same', () => {
    assert.equal((parse(read('openapi.yaml')) as { info: { version: string } }).info.version, packageVersion);
  });

  it('CHANGELOG.md follows Keep a Changelog: Unreleased first, then a dated heading for this version', () => {
    const headings = read('CHANGELOG.md')
      .split('\n')
      .filter((line) => line.startsWith('## '));
    assert.equal(headings[0], '## [Unreleased]');
    for (const heading of headings.slice(1)) assert.match(heading, /^## \[\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\] - \d{4}-\d{2}-\d{2}$/, heading);
    assert.ok(headings.some((heading) => heading.startsWith(`## [${packageVersion}] - `)), `a heading for ${packageVersion}`);
  });
});
