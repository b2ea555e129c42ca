import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';
import { parse } from 'yaml';

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>>;
}

const document = parse(readFileSync(new URL('../../../openapi.yaml', import.meta.url), 'utf8')) as OpenApiDocument;
// The whole document is one schema resource, so the `#/components/...` references inside it resolve as written.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...document, $id: 'openapi.json' });

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Asserts that a real response is one the contract documents for this route: status, then body schema. */
export function assertMatchesContract(method: string, path: string, response: Response): void {
  const operation = document.paths[path]?.[method];
  assert.ok(operation, `openapi.yaml has no ${method.toUpperCase()} ${path}`);
  const declared = operation.responses[String(response.status)];
  assert.ok(declared, `openapi.yaml does not document ${response.status} for ${method.toUpperCase()} ${path}`);
  const base = declared.$ref
    ? `openapi.json${declared.$ref}`
    : `openapi.json#/${pointer('paths', path, method, 'responses', String(response.status))}`;
  const validate = ajv.compile({ $ref: `${base}/${pointer('content', 'application/json', 'schema')}` });
  assert.ok(validate(response.body), `${method.toUpperCase()} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}`);
}
