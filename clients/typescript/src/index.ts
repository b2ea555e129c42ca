export { createTokenAuthClient } from './client.js';
export type {
  DecisionRequest,
  DecisionResult,
  IssueBatchRequest,
  IssuedBatch,
  IssuedJwt,
  IssuedToken,
  IssueJwtRequest,
  IssueOptions,
  IssueTokenRequest,
  ListFilters,
  LiveSession,
  LiveSessionList,
  SessionFilters,
  StreamCount,
  StreamCountList,
  StreamsQuery,
  Revocation,
  RevocationRequest,
  TokenAuthClient,
  TokenAuthClientOptions,
  TokenList,
  TokenRecord,
  TokenState,
  UpdateTokenRequest,
  ViewerSessionList,
} from './client.js';
export { ApiError, ConnectionError, retryAfterSeconds, type ApiErrorCode, type FieldProblem } from './errors.js';
export { retryingFetch, type RetryOptions } from './retrying-fetch.js';
export type { components, operations, paths } from './generated/openapi.js';
