import { Router } from 'express';
import type { KeyRing } from './key-ring.js';

/**
 * `GET /.well-known/jwks.json`: the public keys this service signs with (JWT_SIGNING_KEYS, current and previous),
 * so other systems can verify its tokens. HMAC secrets are never published; without signing keys the set is empty.
 */
export function createJwksRouter(keys: Pick<KeyRing, 'publicJwks'>): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (_req, res) => {
    // Short enough that a rotation (new key listed first, old one kept until its tokens expire) spreads quickly.
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json({ keys: keys.publicJwks });
  });
  return router;
}
