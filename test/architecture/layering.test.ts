import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

/**
 * The parts of src/ and which parts each may import (issue 14). Imports flow one way: the entry layer
 * (listeners, wiring, admin routes) → playback → tokens/abuse → shared; observability sits beside them, fed through
 * callbacks the entry layer wires, so it imports shared only. Type-only imports count: a type is a dependency too.
 */
const ALLOWED: Record<string, readonly string[]> = {
  shared: [],
  tokens: ['shared'],
  abuse: ['shared'],
  playback: ['tokens', 'abuse', 'shared'],
  webhooks: ['tokens', 'shared'],
  observability: ['shared'],
  entry: ['*'],
};

const ENTRY_FILES = new Set(['main.ts', 'app.ts', 'create-services.ts']);
const ENTRY_DIRS = new Set(['http', 'admin', 'cluster', 'wiring']);

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The part a file under src/ belongs to; undefined for a file no rule covers (which is itself a failure). */
function partOf(file: string): string | undefined {
  const [top, ...rest] = file.split('/');
  if (rest.length === 0) return ENTRY_FILES.has(top!) || /^config.*\.ts$/.test(top!) ? 'entry' : undefined;
  if (ENTRY_DIRS.has(top!) || /^config/.test(top!)) return 'entry';
  return top! in ALLOWED && top !== 'entry' ? top : undefined;
}

/** Every relative module a file imports or re-exports (static, `import type`, `export … from`, dynamic `import()`). */
function internalImports(path: string): string[] {
  const info = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
  return info.importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => relative(SRC, resolve(dirname(path), name)).replace(/\.js$/, '.ts'));
}

interface Edge {
  from: string;
  to: string;
}

function allEdges(): Edge[] {
  return sourceFiles(SRC).flatMap((path) => internalImports(path).map((to) => ({ from: relative(SRC, path), to })));
}

function violationsOf(edges: Edge[]): string[] {
  return edges
    .filter(({ from, to }) => {
      const source = partOf(from);
      const target = partOf(to);
      if (source === undefined || target === undefined) return true;
      const allowed = ALLOWED[source]!;
      return source !== target && !allowed.includes('*') && !allowed.includes(target);
    })
    .map(({ from, to }) => `${from} -> ${to}`);
}

describe('layering of src/', () => {
  const edges = allEdges();

  it('reads the imports of every source file, type-only ones included', () => {
    assert.ok(edges.length > 100, `only ${edges.length} imports found`);
    assert.ok(edges.some((edge) => edge.from === 'playback/decision.ts' && edge.to === 'tokens/token-verifier.ts'), 'a type-only import is seen');
  });

  it('every file belongs to a part', () => {
    const unassigned = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((file) => partOf(file) === undefined);
    assert.deepEqual(unassigned, [], 'add the new folder to ALLOWED (or ENTRY_DIRS) with the parts it may import');
  });

  it('imports flow one way: shared ← tokens, abuse ← playback, webhooks; observability imports shared only', () => {
    const violations = violationsOf(edges);
    assert.deepEqual(violations, [], `imports that break the layering:\n${violations.join('\n')}`);
  });

  it('catches a forbidden import (the check can fail)', () => {
    assert.deepEqual(violationsOf([{ from: 'tokens/jwt/jwt-runtime.ts', to: 'observability/metrics.ts' }]), [
      'tokens/jwt/jwt-runtime.ts -> observability/metrics.ts',
    ]);
    assert.deepEqual(violationsOf([{ from: 'shared/http.ts', to: 'tokens/token-store.ts' }]), ['shared/http.ts -> tokens/token-store.ts']);
    assert.deepEqual(violationsOf([{ from: 'admin/tokens-router.ts', to: 'playback/decision.ts' }]), []);
  });
});
