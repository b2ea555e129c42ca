import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { ADMIN_KEY } from './test-app.js';

export interface IssuedTokenBody {
  token: string;
  record: { id: string; state: string; expiresAt: string; [field: string]: unknown };
}

/** Issues a token through the real admin API and returns the answer (the only place the secret appears). */
export async function issueViaApi(app: RequestListener, body: Record<string, unknown>): Promise<IssuedTokenBody> {
  const res = await request(app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send(body);
  assert.equal(res.status, 201, `issue failed: ${res.status} ${res.text}`);
  return res.body as IssuedTokenBody;
}

export async function revokeViaApi(app: RequestListener, id: string): Promise<void> {
  const res = await request(app).delete(`/v1/tokens/${id}`).set('Authorization', `Bearer ${ADMIN_KEY}`);
  assert.equal(res.status, 200, `revoke failed: ${res.status} ${res.text}`);
}
