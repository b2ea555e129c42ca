#!/usr/bin/env node
// Launcher for the operator CLI (cli/). It runs the TypeScript sources through tsx, so it works in a checkout right
// after `npm ci`, with no build step (`npx wcs-token-auth …`).
import { register } from 'tsx/esm/api';

register();
await import('../cli/run.ts');
