/**
 * The token store as the readiness probe and the health monitor see it: a kind for the `store` label and one round
 * trip. Narrow on purpose, so observability does not depend on the token model.
 */
export interface ProbedStore {
  readonly kind: string;
  ping(): Promise<void>;
}
