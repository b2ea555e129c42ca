import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

interface ResponseLike {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

type Json = Record<string, unknown>;

const document = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS with a default export; under NodeNext its callable sits on .default.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => void }).default ?? addFormatsModule;
addFormats(ajv);
ajv.addSchema(document, 'openapi');

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function resolve(pointer: string): unknown {
  let node: unknown = document;
  for (const raw of pointer.replace(/^#\//, '').split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Json)[segment];
  }
  return node;
}

function findPathTemplate(path: string): string {
  const paths = document.paths as Json;
  if (paths[path]) return path;
  const candidates = Object.keys(paths).filter((template) => {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(path);
  });
  // Prefer the most specific template (fewest parameters).
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  const found = candidates[0];
  assert.ok(found, `openapi.yaml has no path matching ${path}`);
  return found;
}

/**
 * Asserts that a real response is one openapi.yaml documents for this operation: the status is listed, the
 * content type is listed, and the body validates against the schema given there.
 */
export function assertMatchesContract(method: string, path: string, response: ResponseLike): void {
  const template = findPathTemplate(path.split('?')[0] ?? path);
  const operation = (document.paths as Json)[template] as Json;
  const op = operation[method.toLowerCase()] as Json | undefined;
  assert.ok(op, `openapi.yaml documents no ${method} ${template}`);
  const responses = op.responses as Json;
  let responseKey = String(response.status);
  if (!responses[responseKey]) responseKey = `${responseKey[0]}XX`;
  let declared = responses[responseKey] as Json | undefined;
  assert.ok(declared, `openapi.yaml documents no ${response.status} for ${method} ${template}`);
  let pointer = `#/paths/${escape(template)}/${method.toLowerCase()}/responses/${responseKey}`;
  if (typeof declared.$ref === 'string') {
    pointer = declared.$ref;
    declared = resolve(pointer) as Json;
  }
  const content = declared.content as Json | undefined;
  if (!content) return;
  const contentType = String(response.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  assert.ok(content[contentType], `${method} ${template} ${response.status}: content type ${contentType} is not documented`);
  if (contentType !== 'application/json') return;
  const schemaPointer = `${pointer}/content/${escape(contentType)}/schema`;
  const validate = ajv.getSchema(`openapi${schemaPointer}`);
  assert.ok(validate, `no schema at ${schemaPointer}`);
  const body = response.body !== undefined && response.text !== '' ? response.body : JSON.parse(response.text ?? 'null');
  const valid = validate(body);
  assert.ok(valid, `${method} ${path} ${response.status} does not match openapi.yaml: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}
