import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

interface ResponseObject {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, unknown>;
}

const SPEC_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));
const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components: { responses: Record<string, ResponseObject> };
};
// OpenAPI 3.1 schemas are JSON Schema 2020-12. `example` is not a JSON Schema keyword (strict off), and formats
// are documentation here.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(spec, 'openapi');

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Asserts that a real response is one openapi.yaml documents for this operation: the status is listed, and a
 * JSON body matches the documented schema. Fails the test with the validation errors otherwise.
 */
export function assertMatchesContract(
  path: string,
  method: string,
  response: { status: number; headers: Record<string, unknown>; body: unknown; text?: string },
): void {
  const operation = spec.paths[path]?.[method.toLowerCase()];
  assert.ok(operation, `openapi.yaml has no ${method} ${path}`);
  const status = String(response.status);
  let documented = operation.responses[status];
  assert.ok(documented, `openapi.yaml documents no ${status} for ${method} ${path}`);
  let location = `#/${pointer('paths', path, method.toLowerCase(), 'responses', status)}`;
  if (documented.$ref) {
    const name = documented.$ref.split('/').at(-1) ?? '';
    documented = spec.components.responses[name];
    assert.ok(documented, `unresolved ${location}`);
    location = `#/${pointer('components', 'responses', name)}`;
  }
  if (!documented.content) {
    assert.ok(!response.text, `${status} is documented without a body but one was sent`);
    return;
  }
  const contentType = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
  const media = documented.content[contentType];
  assert.ok(media, `${status} is not documented with content type ${contentType}`);
  if (media.schema === undefined) return;
  const validate = ajv.getSchema(`openapi${location}/${pointer('content', contentType, 'schema')}`);
  assert.ok(validate, 'schema not found');
  assert.ok(validate(response.body), `response does not match openapi.yaml: ${ajv.errorsText(validate.errors)}`);
}
