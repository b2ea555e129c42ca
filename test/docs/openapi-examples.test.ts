import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { assertMatchesContract } from '../helpers/openapi.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';

type Json = Record<string, unknown>;

interface RequestExample {
  method: string;
  path: string;
  name: string;
  body: unknown;
  /** Path parameter examples given in the contract (`{method}` → StreamStatusEvent). */
  pathParams: Record<string, string>;
}

const document = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Json> };

function requestExamples(): RequestExample[] {
  const found: RequestExample[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'patch', 'put', 'delete']) {
      const op = item[method] as Json | undefined;
      const media = ((op?.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined;
      if (!op || !media) continue;
      const params = [...((item.parameters as Json[] | undefined) ?? []), ...((op.parameters as Json[] | undefined) ?? [])];
      const pathParams = Object.fromEntries(params.filter((p) => p.in === 'path' && p.example !== undefined).map((p) => [String(p.name), String(p.example)]));
      if (media.example !== undefined) found.push({ method, path, name: 'example', body: media.example, pathParams });
      for (const [name, example] of Object.entries((media.examples as Record<string, Json> | undefined) ?? {})) {
        found.push({ method, path, name, body: example.value, pathParams });
      }
    }
  }
  return found;
}

/** What each kind of route must answer to its documented example: anything else means the example is wrong. */
function expectedStatuses(example: RequestExample): number[] {
  // The hook examples carry a token this service never issued: a well-formed request refused as unknown.
  if (example.path.startsWith('/wcs/')) return example.pathParams.method === undefined ? [403] : [200];
  if (example.method === 'post' && example.path.startsWith('/v1/tokens')) return [201];
  return [200];
}

describe('every request example in openapi.yaml, sent to the running service with the default settings', () => {
  const adminKey = `examples-admin-${randomBytes(12).toString('hex')}`;
  let service: ServiceProcess;
  before(async () => {
    service = await startServiceProcess({
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEYS: `examples=${adminKey}`,
      // Only the `jwt` issue example needs a setting beyond the defaults: a key to sign with.
      JWT_SIGNING_KEYS: 'examples:HS256=env:EXAMPLES_JWT_SECRET',
      EXAMPLES_JWT_SECRET: randomBytes(32).toString('hex'),
    });
  });
  after(() => service?.stop());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method: method.toUpperCase(),
      headers: { Authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers), text, body: text.startsWith('{') ? (JSON.parse(text) as unknown) : undefined };
  };

  const examples = requestExamples();
  it('finds the examples (the contract documents requests with them)', () => {
    assert.ok(examples.length >= 15, `${examples.length} examples`);
  });

  for (const example of examples) {
    it(`${example.method.toUpperCase()} ${example.path} "${example.name}" is accepted`, async () => {
      let path = example.path;
      for (const [name, value] of Object.entries(example.pathParams)) path = path.replace(`{${name}}`, value);
      if (path.includes('{id}')) {
        const issued = await call('post', '/v1/tokens', { streams: ['test'] });
        path = path.replace('{id}', (issued.body as { record: { id: string } }).record.id);
      }
      const res = await call(example.method, path, example.body);
      assert.ok(expectedStatuses(example).includes(res.status), `${res.status}: ${res.text}`);
      assertMatchesContract(example.method, path, res);
    });
  }

  it('the documented query parameter example (GET /v1/tokens?stream=…) is accepted', async () => {
    const params = ((document.paths['/v1/tokens']?.get as Json).parameters as Json[]).filter((p) => p.example !== undefined);
    assert.ok(params.length > 0);
    const query = new URLSearchParams(params.map((p): [string, string] => [String(p.name), String(p.example)])).toString();
    const res = await call('get', `/v1/tokens?${query}`);
    assert.equal(res.status, 200, res.text);
    assertMatchesContract('get', '/v1/tokens', res);
  });
});
