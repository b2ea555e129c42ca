/**
 * Tells whoever listens that a store operation got a real answer (timed-store-operation.ts calls it for every
 * token, jti and counter operation that resolved). Only such an answer ends an outage: a decision that never reached
 * the store (a malformed token, a bad JWT signature, a throttled guess) says nothing about whether the store is back.
 */
export class StoreAnswerSignal {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  answered(): void {
    for (const listener of this.listeners) listener();
  }
}
