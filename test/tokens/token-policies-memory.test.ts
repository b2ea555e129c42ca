import { after } from 'node:test';
import { MemoryTokenStore } from '../../src/tokens/memory-token-store.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { tokenPoliciesContract } from './token-policies.contract.js';

const stores: MemoryTokenStore[] = [];
after(() => Promise.all(stores.map((store) => store.close())));

tokenPoliciesContract('memory', async () => {
  const clock = new ManualClock();
  const retentionMs = 10_000;
  const store = new MemoryTokenStore(clock, retentionMs);
  stores.push(store);
  return { store, clock, retentionMs };
});
