#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (TypeScript through tsx). Node 20's --test does not
// expand globs, so the files are listed here. Extra arguments are passed to node (e.g. --test-name-pattern=…).
// A test (or suite) that runs for more than 3 minutes fails instead of holding the run (and CI) until it is killed:
// the slowest suite takes under 30 s on an idle machine, so 3 minutes leaves room for a loaded one.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('-'));
const files = only.length > 0 ? only : findTests('test').sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=180000', ...flags, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
