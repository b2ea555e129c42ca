import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestIdFrom } from '../../src/shared/http.js';

const GENERATED = /^[0-9a-f]{24}-[1-9][0-9]*$/;

/** X-Request-Id (src/shared/http.ts): a sane incoming id is kept, else a new one, unique across processes. */
describe('request ids', () => {
  it('keeps a sane incoming id and replaces a missing, repeated or unsafe one', () => {
    for (const kept of ['wcs-42', 'a', 'x'.repeat(128), 'A.b_c:d-9', '6f1c2b9e-4d1a-4f4e-9c1e-1b2f0c9d8e7a']) assert.equal(requestIdFrom(kept), kept);
    // node joins a repeated X-Request-Id with ', ': not sane, so replaced.
    for (const replaced of [undefined, '', 'a, b', 'x'.repeat(129), 'abc<script>', 'bad id', 'é', ['a', 'b']]) {
      assert.match(requestIdFrom(replaced), GENERATED, String(replaced));
    }
  });

  it('makes ids that differ from each other and that it keeps when a caller sends them back', () => {
    const ids = Array.from({ length: 1000 }, () => requestIdFrom(undefined));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids.slice(0, 10)) assert.equal(requestIdFrom(id), id);
  });

  it('draws a new random part in every process (ids stay unique across instances and restarts)', async () => {
    const fresh = (await import(`../../src/shared/http.js?process=${Date.now()}`)) as typeof import('../../src/shared/http.js');
    const [ours, theirs] = [requestIdFrom(undefined), fresh.requestIdFrom(undefined)];
    assert.match(theirs, GENERATED);
    assert.notEqual(ours.split('-')[0], theirs.split('-')[0]);
  });
});
