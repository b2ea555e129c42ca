#!/usr/bin/env node
// Generates src/generated/openapi.ts from the repository's openapi.yaml with openapi-typescript.
// With --check it writes nothing and exits 1 when the committed file differs from what the contract generates
// (CI runs this through `npm run lint`, so a contract change without regenerated types fails the build).
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const contract = new URL('../../../openapi.yaml', import.meta.url);
const target = new URL('../src/generated/openapi.ts', import.meta.url);
const header =
  '// Generated from openapi.yaml by openapi-typescript (clients/typescript/scripts/generate-types.mjs).\n' +
  '// Do not edit: run `npm run generate --workspace clients/typescript` after changing openapi.yaml.\n\n';

const generated = header + astToString(await openapiTS(contract, { exportType: false, alphabetize: false }));

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // A missing file is drift too.
  }
  if (committed !== generated) {
    process.stderr.write(
      'clients/typescript/src/generated/openapi.ts is out of date with openapi.yaml.\n' +
        'Run `npm run generate --workspace clients/typescript` and commit the result.\n',
    );
    process.exit(1);
  }
  process.stdout.write('clients/typescript: generated types match openapi.yaml\n');
} else {
  writeFileSync(target, generated);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
