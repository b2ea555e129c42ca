import { randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import { apiErrorFrom } from './errors.js';
import type { components, operations, paths } from './generated/openapi.js';
import { retryingFetch, type RetryOptions } from './retrying-fetch.js';

type Schemas = components['schemas'];
export type TokenRecord = Schemas['TokenRecord'];
export type TokenState = Schemas['TokenState'];
export type IssueTokenRequest = Schemas['IssueTokenRequest'];
export type IssuedToken = Schemas['IssuedToken'];
export type IssueJwtRequest = Schemas['IssueJwtRequest'];
export type IssuedJwt = Schemas['IssuedJwt'];
export type IssueBatchRequest = Schemas['IssueBatchRequest'];
export type IssuedBatch = Schemas['IssuedBatch'];
export type UpdateTokenRequest = Schemas['UpdateTokenRequest'];
export type TokenList = Schemas['TokenList'];
export type ViewerSessionList = Schemas['ViewerSessionList'];
export type DecisionRequest = Schemas['DecisionRequest'];
export type DecisionResult = Schemas['DecisionResult'];
export type RevocationRequest = Schemas['RevocationRequest'];
export type Revocation = Schemas['Revocation'];
export type ListFilters = Omit<NonNullable<operations['listTokens']['parameters']['query']>, 'cursor'>;
export type LiveSession = Schemas['LiveSession'];
export type LiveSessionList = Schemas['LiveSessionList'];
export type StreamCountList = Schemas['StreamCountList'];
export type StreamCount = StreamCountList['items'][number];
/** Filters of `GET /v1/sessions` (exact matches) and the page size. */
export type SessionFilters = Omit<NonNullable<operations['listLiveSessions']['parameters']['query']>, 'cursor'>;
export type StreamsQuery = Omit<NonNullable<operations['listLiveStreams']['parameters']['query']>, 'cursor'>;

export interface TokenAuthClientOptions {
  /** The service's base URL, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** An admin API key (`ADMIN_API_KEYS`); the scopes it has decide what the calls may do. */
  adminKey: string;
  retry?: RetryOptions;
  /** Another fetch (tests, proxies); default the global one. */
  fetch?: typeof fetch;
}

export interface IssueOptions {
  /**
   * Makes a retry of this call safe (see README, "Idempotent issuing"). Default: a fresh UUID per call, so the
   * client's own retries never issue twice; pass your own (e.g. an order id) to make retries of *your* calls safe.
   */
  idempotencyKey?: string;
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Every item of a cursor-paged listing, fetching the next page only when the loop asks for more. */
async function* everyItem<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const current = await page(cursor);
    yield* current.items;
    cursor = current.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

const withCursor = (cursor: string | undefined) => (cursor === undefined ? {} : { cursor });

/** The answer's data, or the ApiError it carries. */
function unwrap<T>(result: Result<T>): T {
  if (!result.response.ok) throw apiErrorFrom(result.response, result.error);
  return result.data as T;
}

/**
 * A client for the admin API. The common calls are methods here; `raw` is the generated openapi-fetch client for
 * every route in openapi.yaml (typed from the same contract). Every method throws ApiError (with the API's `code`)
 * for an error answer and ConnectionError when the service cannot be reached.
 */
export function createTokenAuthClient(options: TokenAuthClientOptions) {
  const raw: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    fetch: retryingFetch(options.fetch ?? globalThis.fetch, options.retry),
    headers: { Authorization: `Bearer ${options.adminKey}` },
  });
  const idempotencyHeader = (opts: IssueOptions) => ({ 'Idempotency-Key': opts.idempotencyKey ?? randomUUID() });

  const listPage = async (query: ListFilters & { cursor?: string }): Promise<TokenList> =>
    unwrap(await raw.GET('/v1/tokens', { params: { query } }));
  const sessionsPage = async (query: SessionFilters & { cursor?: string } = {}): Promise<LiveSessionList> =>
    unwrap(await raw.GET('/v1/sessions', { params: { query } }));
  const streamsPage = async (query: StreamsQuery & { cursor?: string } = {}): Promise<StreamCountList> =>
    unwrap(await raw.GET('/v1/streams', { params: { query } }));

  return {
    raw,

    /** Issues an opaque token; the secret (`token`) is in this answer only. */
    issueToken: async (body: IssueTokenRequest, opts: IssueOptions = {}): Promise<IssuedToken> =>
      unwrap(await raw.POST('/v1/tokens', { body, params: { header: idempotencyHeader(opts) } })) as IssuedToken,

    /** Signs a JWT (nothing is stored). Needs JWT_SIGNING_KEYS on the service. */
    issueJwt: async (body: Omit<IssueJwtRequest, 'type'>, opts: IssueOptions = {}): Promise<IssuedJwt> =>
      unwrap(await raw.POST('/v1/tokens', { body: { ...body, type: 'jwt' }, params: { header: idempotencyHeader(opts) } })) as IssuedJwt,

    /** Up to 1000 tokens, all or none. */
    issueBatch: async (body: IssueBatchRequest, opts: IssueOptions = {}): Promise<IssuedBatch> =>
      unwrap(await raw.POST('/v1/tokens/batch', { body, params: { header: idempotencyHeader(opts) } })),

    getToken: async (id: string): Promise<TokenRecord> => unwrap(await raw.GET('/v1/tokens/{id}', { params: { path: { id } } })),

    updateToken: async (id: string, change: UpdateTokenRequest): Promise<TokenRecord> =>
      unwrap(await raw.PATCH('/v1/tokens/{id}', { params: { path: { id } }, body: change })),

    /** Revokes an opaque token (final; revoking again answers the same record). */
    revoke: async (id: string): Promise<TokenRecord> => unwrap(await raw.DELETE('/v1/tokens/{id}', { params: { path: { id } } })),

    /** Revokes a JWT by its `jti` until `exp` (seconds since the epoch). */
    revokeJwt: async (body: RevocationRequest): Promise<Revocation> => unwrap(await raw.POST('/v1/revocations', { body })),

    /** One page of the listing (newest first). */
    listPage,

    /** Every token matching the filters, newest first, fetching pages as the loop asks for them. */
    list: (filters: ListFilters = {}): AsyncGenerator<TokenRecord, void, undefined> =>
      everyItem((cursor) => listPage({ ...filters, ...withCursor(cursor) })),

    /** The viewer sessions a token started (GET /v1/tokens/{id}/sessions), live or not. Scope tokens:read. */
    tokenSessions: async (id: string): Promise<ViewerSessionList> =>
      unwrap(await raw.GET('/v1/tokens/{id}/sessions', { params: { path: { id } } })),

    /** One page of the live sessions across tokens and instances (GET /v1/sessions). Scope sessions:read. */
    sessionsPage,

    /**
     * Every live session matching the filters (`stream`, `appKey`, `viewerId`, `tokenId`, exact), in session id
     * order, fetching pages (of `limit`) as the loop asks for them. A filtered page may be short or empty while more
     * follow; this follows `nextCursor` to the end.
     */
    sessions: (filters: SessionFilters = {}): AsyncGenerator<LiveSession, void, undefined> =>
      everyItem((cursor) => sessionsPage({ ...filters, ...withCursor(cursor) })),

    /** One page of the streams being watched, most watched first (GET /v1/streams). Scope sessions:read. */
    streamsPage,

    /** Every stream being watched now with its live session count, most watched first. */
    streams: (query: StreamsQuery = {}): AsyncGenerator<StreamCount, void, undefined> =>
      everyItem((cursor) => streamsPage({ ...query, ...withCursor(cursor) })),

    /**
     * Ends one live session now (kick): its next check on any instance is refused (`session_ended`). ApiError 404
     * (`not_found`) when no live session has this id. Scope sessions:write.
     */
    endSession: async (id: string): Promise<void> => {
      unwrap(await raw.DELETE('/v1/sessions/{id}', { params: { path: { id } } }));
    },

    /** Dry run: what the hook would decide for this WCS body, and why, consuming nothing. */
    verify: async (request: DecisionRequest): Promise<DecisionResult> => unwrap(await raw.POST('/v1/decisions', { body: request })),
  };
}

export type TokenAuthClient = ReturnType<typeof createTokenAuthClient>;
