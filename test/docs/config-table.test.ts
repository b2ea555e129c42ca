import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envSchema } from '../../src/config.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first column of every row of README's configuration tables: `| \`NAME\` | default | meaning |`. */
function documentedVariables(): Set<string> {
  const names = new Set<string>();
  for (const match of README.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)) names.add(match[1] ?? '');
  return names;
}

test('every environment variable the service reads has a row in README.md, and every row is a variable it reads', () => {
  const read = new Set(Object.keys(envSchema.shape));
  const documented = documentedVariables();
  assert.deepEqual([...read].filter((name) => !documented.has(name)), [], 'read but not documented');
  assert.deepEqual([...documented].filter((name) => !read.has(name)), [], 'documented but not read');
});
