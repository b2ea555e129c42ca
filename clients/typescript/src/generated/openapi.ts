// Generated from openapi.yaml by openapi-typescript (clients/typescript/scripts/generate-types.mjs).
// Do not edit: run `npm run generate --workspace clients/typescript` after changing openapi.yaml.

export interface paths {
    "/wcs/playHLS": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * WCS playHLS hook — authorize an HLS viewer
         * @description Called by WCS when a viewer requests an HLS playlist with `?token=…` (the parameter name is
         *     `TOKEN_QUERY_PARAM`, e.g. `aclAuth` with WCS's CDN ACL). The token is read from `custom.<param>` (newer
         *     WCS) or, when absent there, from the top level (older WCS). `name` is the stream.
         *
         *     A token of three base64url segments is verified as a JWT (see `JwtClaims` for the claims read); any
         *     other token is looked up as an opaque token. Either kind can be turned off (`JWT_ENABLED`,
         *     `OPAQUE_TOKENS_ENABLED`).
         *
         *     With `WCS_SIGNING_SECRET` set, `Authorization: WCS <hmac-md5 hex of the raw body>` is checked first, on
         *     every method; a missing or wrong signature gets 403.
         *
         *     The token's policies are checked and, when allowed, the viewer session (`mediaSessionId`; without it,
         *     client IP + stream) is recorded, in one atomic step: the same session calling again is allowed again and
         *     uses nothing; a refused request changes nothing.
         *
         *     When the token store fails or does not answer within `STORE_TIMEOUT_MS`, the answer is 403
         *     (`STORE_FAILURE_POLICY=deny`, default), 200 (`allow`), or (`cached`) 200 only when this instance allowed
         *     the same token for the same stream and appKey within `DECISION_CACHE_TTL_SECONDS`, else 403 — never a hang.
         *
         *     A client IP (or stream) with too many unknown-token refusals in `BRUTE_FORCE_WINDOW_SECONDS` is refused
         *     with 403 (reason `throttled`) before any token lookup.
         *
         *     400 (`validation_failed`, no decision made) for a body with a string or key that is not well-formed
         *     Unicode (a lone surrogate such as the escape `\ud800`, anywhere in the body) and for a `name`,
         *     `appKey` or `mediaSessionId` longer than 256 characters. A decision answered without the store (timeout) changes no state afterwards, even if the
         *     store then runs it; a stored record that cannot be read refuses that token (`unreadable_record`), whatever
         *     `STORE_FAILURE_POLICY` says.
         */
        post: operations["playHls"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/wcs/{method}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Any other WCS REST method — echoed, or authorized when listed in ENFORCED_METHODS
         * @description `connect`, `playStream`, `publishStream`, `StreamStatusEvent`, `ConnectionStatusEvent`, `stopStream`, …
         *     are answered 200 with the body echoed byte for byte, as WCS requires. With `WCS_SIGNING_SECRET` set the
         *     signature is checked first (403 when missing or wrong).
         *
         *     Methods listed in `ENFORCED_METHODS` are authorized like playHLS (200 + echo, or 403): `playStream` asks
         *     for the `play` action and `publishStream` for `publish`, both on the stream `name`, and both start a
         *     viewer session; `connect` names no stream, so it checks the token itself (state, time, `play` action,
         *     appKey, IP rules) and consumes nothing. Events (`*Event`) are never refused.
         */
        post: operations["wcsOtherMethod"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/nginx/auth": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * nginx auth_request — authorize one HLS playlist or segment request
         * @description The target of `auth_request` in nginx proxying WCS's HLS port (see `docker/nginx/`). The path is
         *     `NGINX_AUTH_PATH`. nginx describes the viewer's request in headers; the service reads the stream from the
         *     URI, the token from the `TOKEN_QUERY_PARAM` query parameter and `appKey` from the `appKey` query
         *     parameter, and makes the same decision as the WCS hook (logged with `method: nginx`).
         *
         *     URI forms: `/<stream>.m3u8` (stream at the root), `/<stream>/<stream>.m3u8`, an ABR master
         *     `/<stream>/index.m3u8`, ABR variants
         *     `/<stream>-720p/<stream>-720p.m3u8` (see `NGINX_STREAM_VARIANT_SUFFIX`) and `/<stream>/720/720.m3u8`; media
         *     `/<stream>/<file>.ts|.m4s|.mp4|.m4a|.aac` (MPEG-TS, fMP4 init and media segments, LL-HLS parts). Every
         *     directory and the playlist's file name (or `index`) must name the same stream, a media file name must start with its
         *     directory's name (or be `init.mp4`), and dot segments, empty segments, percent-encoded `.` `/` `\`,
         *     percent-encoded parameter names and a repeated token parameter are refused (`unrecognized_uri`, or
         *     `malformed_token` for a repeated token). The token parameter is read as nginx reads `$arg_<name>`: its name
         *     in any letter case, its value not decoded. LL-HLS blocking reloads (`_HLS_msn`, `_HLS_part`) are playlists.
         *
         *     A playlist request starts a viewer session (it may consume a use of a limited token); a media request only
         *     checks that the token is valid. Both belong to the viewer session `<stream>@<viewer address>`. With
         *     `EDGE_SIGNING_SECRET` set, an allowed playlist answer also carries a signature that the shipped nginx
         *     config checks on media requests by itself (`secure_link`), so that they need no call here.
         *
         *     `X-Real-IP` and `X-Forwarded-For` are believed only from peers in `TRUSTED_PROXY_CIDRS`. When the token
         *     store fails or is slow, `STORE_FAILURE_POLICY` decides (403 or 204), as for the hook.
         */
        get: operations["nginxAuth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List tokens (newest first, filtered, paged by cursor; never the secrets)
         * @description Filters are applied as records are read, and one call reads at most 2000 records: with a selective filter a
         *     page can hold fewer than `limit` items (even none) and still carry a `nextCursor`. Keep following
         *     `nextCursor` until it is null.
         */
        get: operations["listTokens"];
        put?: never;
        /**
         * Issue a token (the secret is shown once)
         * @description With an `Idempotency-Key` header, a retry of the same request within 24 hours answers the first result
         *     again (`Idempotent-Replayed: true`) instead of issuing another token; see the `IdempotencyKey` parameter.
         */
        post: operations["issueToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue up to 1000 tokens at once, all or none (each secret shown once)
         * @description Give `items` (one issue request each) or a `template` with a `count`. Every item is validated before
         *     anything is stored; an invalid item fails the whole call with 400 naming it (`items.3.expiresAt`). If the
         *     store fails midway, the tokens already written are removed again before the 503. The body limit is
         *     `ADMIN_BATCH_BODY_LIMIT_BYTES`.
         *
         *     With an `Idempotency-Key` header, a retried batch within 24 hours answers the first batch again (the same
         *     tokens and secrets, `Idempotent-Replayed: true`) and issues nothing.
         */
        post: operations["issueTokenBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["TokenId"];
            };
            cookie?: never;
        };
        /** Read a token's record (never the secret) */
        get: operations["getToken"];
        put?: never;
        post?: never;
        /**
         * Revoke a token (final; idempotent)
         * @description The token is refused from the next decision on, by every instance sharing the store. With
         *     `STORE_FAILURE_POLICY=cached` the revocation is also published to the other instances (Redis pub/sub) so
         *     that none of them allows it from its cache during an outage. Revoking again returns the same record.
         */
        delete: operations["revokeToken"];
        options?: never;
        head?: never;
        /**
         * Change a token — disable/enable, expiry, limits, IP rules, headers, metadata
         * @description A JSON merge patch: a field given replaces the stored value, `null` removes an optional policy, a field
         *     left out stays. A new `expiresAt` (or `ttlSeconds` from now) also moves the expiry of every stored key of the
         *     token. `disabled: true` refuses the token (`disabled`) until `disabled: false`; revocation is final, and a
         *     revoked token cannot be changed (409). Streams, appKeys and actions are fixed at issue. Lowering `maxUses`
         *     below the sessions already started stops new sessions; started ones go on. Turning `bindIpOnFirstUse`
         *     off forgets the bound IP. A change is no revocation: the token's live sessions go on (each check decides
         *     by the new record). A new `viewerId` applies to sessions that start after it: a live session stays
         *     counted under, listed with and reported for the viewer it started with until it ends.
         */
        patch: operations["updateToken"];
        trace?: never;
    };
    "/v1/tokens/{id}/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["TokenId"];
            };
            cookie?: never;
        };
        /**
         * The viewer sessions a token started (id, IP, first and last seen)
         * @description Oldest first. A token with `maxUses` records every session it starts (at most 10000); other tokens record
         *     up to `TOKEN_SESSIONS_RECORDED_MAX`. `active` says whether the session checked in within
         *     `VIEWER_SESSION_WINDOW_SECONDS`, i.e. counts towards `maxViewers`.
         */
        get: operations["listTokenSessions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live viewer sessions across all tokens and instances
         * @description Sessions checked within `VIEWER_SESSION_WINDOW_SECONDS`, in session id order, filtered by any of
         *     `stream`, `appKey`, `viewerId`, `tokenId` (exact). A page may hold fewer than `limit` items while
         *     `nextCursor` is not null (at most 5000 sessions are looked at per request when filtering); follow
         *     `nextCursor` until it is null. The state lives in the token store, so every instance answers alike.
         */
        get: operations["listLiveSessions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["LiveSessionId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * End one live session now (kick)
         * @description The session leaves the registry (`session.ended` with cause `kicked`) and its next check, on any
         *     instance, is refused with reason `session_ended`. The player has to start a new session (a new
         *     `mediaSessionId`), which the token's and viewer's limits then judge. Audited (`session.end`).
         */
        delete: operations["endLiveSession"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/streams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Streams being watched now, with their live session count, most watched first
         * @description Counts include sessions that went idle less than one `SESSION_SWEEP_INTERVAL_SECONDS` ago (the sweep
         *     ends them). Paged by `cursor` (an offset into the ranking, which can shift between pages).
         */
        get: operations["listLiveStreams"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/decisions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Dry run — what the hook would decide for a WCS body, and why, consuming nothing
         * @description Runs the decision for `body` as if WCS had posted it to `method` (evaluated as enforced whatever
         *     `ENFORCED_METHODS` says; signatures are not part of it). Nothing changes: no use is spent, no session
         *     recorded, no IP bound. The answer carries the reason code, which the hook never shows to WCS.
         */
        post: operations["dryRunDecision"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/revocations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke a JWT by its jti (every instance sharing the Redis refuses it at once)
         * @description Puts the `jti` on a denylist until `exp` plus `JWT_CLOCK_SKEW_SECONDS`, after which the token is refused as
         *     expired anyway, so the list only holds live tokens. In Redis with `TOKEN_STORE=redis` (shared by every
         *     instance), in memory otherwise. Idempotent: revoking again never shortens the entry. A token already past
         *     `exp` plus the skew is answered 200 and nothing is stored. An `exp` more than TOKEN_MAX_TTL_SECONDS (plus the
         *     skew) from now is refused with 400: the entry would outlive any token this service issues. Retire a
         *     longer-lived JWT from another issuer by rotating its key.
         */
        post: operations["revokeJwt"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The public keys this service signs JWTs with (JWKS, RFC 7517)
         * @description The public halves of `JWT_SIGNING_KEYS` (the current key and the previous ones kept for rotation), so
         *     other systems can verify the JWTs this service issues. HMAC secrets are never published; without
         *     asymmetric signing keys the set is empty.
         */
        get: operations["jwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness — the process answers */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness — the instance can decide
         * @description Ready (`ready`) when the token store answers within STORE_TIMEOUT_MS. When it does not, readiness follows
         *     STORE_FAILURE_POLICY: with `deny` the instance can only refuse and answers 503 `store_unavailable` (the load
         *     balancer takes it out); with `allow` or `cached` it still decides by that policy, and since a store outage is
         *     shared by every instance, failing readiness would take them all out at once: it answers 200 `degraded`.
         *     `wcs_auth_store_up` reports the outage either way. From SIGTERM on it answers 503 `shutting_down` (for
         *     SHUTDOWN_DELAY_MS while still serving, then while draining).
         */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description `wcs_auth_*` metrics and Node.js process metrics. Served on `PORT` by default; with `METRICS_PORT` set,
         *     only on that port (the main port answers 404). With `METRICS_BEARER_TOKEN` set, a scrape must send
         *     `Authorization: Bearer <token>` (compared in constant time). Label values never carry tokens, token ids,
         *     stream names or raw URLs.
         *     With `WORKERS` > 1 any worker may answer the scrape, and the answer covers every worker: counters and
         *     histograms are summed, `wcs_auth_workers` counts the live workers, `wcs_auth_store_up` is the lowest value.
         */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description What WCS posts for playHLS, in either documented shape. Unknown fields are accepted and echoed. */
        WcsPlayHlsBody: {
            nodeId?: string;
            /** @description The WCS REST application; a token with `appKeys` is valid only for those (at most 256 characters; longer is refused with 400). */
            appKey?: string;
            /** @description Newer WCS — `/<client ip>:<port>/<server ip>:<port>`; the client IP is logged. */
            sessionId?: string;
            /** @description Opaque id of one viewer's playback session (at most 256 characters; longer is refused with 400). */
            mediaSessionId?: string;
            /** @description The stream name (at most 256 UTF-16 code units; longer is refused with 400). */
            name: string;
            mediaProvider?: string;
            /** @description Newer WCS — the playlist URL's query parameters, including the token. */
            custom?: {
                [key: string]: unknown;
            };
            /** @description Older WCS — the token at the top level (used when `custom` has none). */
            token?: string | number;
        } & {
            [key: string]: unknown;
        };
        /**
         * @description Public, non-secret id of a token.
         * @example tok_4fJ0yq2Zk1Vb8x3C
         */
        TokenId: string;
        /** @enum {string} */
        Action: "play" | "publish";
        /**
         * @description Response headers added to the allow answer. Names must start with `X-` and be RFC 9110 tokens of at most
         *     64 characters; so no standard header (Content-*, Transfer-Encoding, Trailer, Connection, Keep-Alive,
         *     Upgrade, TE, Proxy-*, Date, Location, Set-Cookie, Cache-Control, CORS, …) can be set. Reserved within `X-`
         *     (refused): X-Request-Id, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, X-UA-Compatible,
         *     X-Permitted-Cross-Domain-Policies, X-DNS-Prefetch-Control, X-Download-Options, X-Powered-By,
         *     X-Deny-Reason, X-Auth-Token-Id, X-Real-IP, X-Sendfile, X-Accel-*, X-Forwarded-*, X-Original-*, X-Edge-*. Values are
         *     printable ASCII without CR/LF, at most 1024 characters; at most 20 headers. A refused name or value is a
         *     400 `validation_failed` naming the field (`headers.<name>`).
         */
        HeaderMap: {
            [key: string]: string;
        };
        IssueTokenRequest: {
            /** @constant */
            type?: "opaque";
            /** @description Exact stream names or `*` globs (`event-*`, `*`). */
            streams: string[];
            /** @description WCS applications the token is valid for. Omitted = any. */
            appKeys?: string[];
            /** @description Default `[play]`. */
            actions?: components["schemas"]["Action"][];
            /** @description Lifetime from now. Default TOKEN_DEFAULT_TTL_SECONDS; at most TOKEN_MAX_TTL_SECONDS. Not with expiresAt. */
            ttlSeconds?: number;
            /** Format: date-time */
            expiresAt?: string;
            /**
             * Format: date-time
             * @description Refused (`not_yet_valid`) before this time.
             */
            notBefore?: string;
            headers?: components["schemas"]["HeaderMap"];
            /** @description Free JSON for the operator (at most 4096 bytes serialized). Not used in decisions. */
            metadata?: {
                [key: string]: unknown;
            };
            maxUses?: components["schemas"]["MaxUses"];
            maxViewers?: components["schemas"]["MaxViewers"];
            allowedIps?: components["schemas"]["AllowedIps"];
            /**
             * @description Record the first client IP that uses the token; refuse other IPs (`ip_mismatch`), and requests
             *     whose client IP is unknown. Default false.
             */
            bindIpOnFirstUse?: boolean;
            viewerId?: components["schemas"]["ViewerId"];
            maxViewerSessions?: components["schemas"]["MaxViewerSessions"];
        };
        /**
         * @description The operator's own id of the viewer (a subscriber account): 1-128 characters (Unicode code points) of
         *     well-formed Unicode without control characters. Not a secret: shown in the record, the sessions API and
         *     the decision log. Decisions with it count towards the viewer's live sessions across all tokens and
         *     streams (`maxViewerSessions`, `VIEWER_MAX_SESSIONS`).
         * @example subscriber-1042
         */
        ViewerId: string;
        /**
         * @description Live sessions the token's viewer (`viewerId`) may have at once across all its tokens and streams; without
         *     it `VIEWER_MAX_SESSIONS` applies. At the limit a new session is refused (`viewer_session_limit`) or, with
         *     `VIEWER_SESSION_LIMIT_MODE=replace`, the viewer's least recently seen session is ended
         *     (`session_replaced` on its next check).
         */
        MaxViewerSessions: number;
        /**
         * @description How many distinct viewer sessions the token may start (`use_limit_reached` after that). A viewer session
         *     is WCS's `mediaSessionId` (client IP + stream when absent): the same session calling again — WCS retries,
         *     playlist reloads — is allowed and uses nothing, and a refused request uses nothing. 1 = one-time token.
         */
        MaxUses: number;
        /**
         * @description How many viewer sessions may be active at once (`viewer_limit_reached` for a new one beyond that). A
         *     session is active for VIEWER_SESSION_WINDOW_SECONDS after its last check.
         */
        MaxViewers: number;
        /**
         * @description IPv4/IPv6 addresses or CIDR ranges the client IP (from WCS's `sessionId`) must be in (`ip_not_allowed`
         *     otherwise, also when the client IP is unknown). Stored in canonical form (host bits cleared);
         *     `::ffff:a.b.c.d` and `a.b.c.d` are the same address.
         * @example [
         *       "203.0.113.0/24",
         *       "2001:db8::/32",
         *       "198.51.100.7"
         *     ]
         */
        AllowedIps: string[];
        /**
         * @description Derived: `revoked` (final), `disabled`, `expired`, `pending` (before notBefore), `exhausted` (maxUses
         *     reached: sessions already started go on, new ones are refused), else `active`.
         * @enum {string}
         */
        TokenState: "active" | "pending" | "exhausted" | "expired" | "disabled" | "revoked";
        UpdateTokenRequest: {
            disabled?: boolean;
            /** @description New lifetime from now. Not with expiresAt. */
            ttlSeconds?: number;
            /** Format: date-time */
            expiresAt?: string;
            /** Format: date-time */
            notBefore?: string | null;
            maxUses?: components["schemas"]["MaxUses"] | null;
            maxViewers?: components["schemas"]["MaxViewers"] | null;
            allowedIps?: components["schemas"]["AllowedIps"] | null;
            bindIpOnFirstUse?: boolean;
            viewerId?: components["schemas"]["ViewerId"] | null;
            maxViewerSessions?: components["schemas"]["MaxViewerSessions"] | null;
            headers?: components["schemas"]["HeaderMap"];
            metadata?: {
                [key: string]: unknown;
            };
        };
        IssueBatchRequest: {
            items: components["schemas"]["IssueTokenRequest"][];
        } | {
            template: components["schemas"]["IssueTokenRequest"];
            count: number;
        };
        IssuedBatch: {
            /** @description Ties the audit lines of this batch together. */
            batchId: string;
            tokens: components["schemas"]["IssuedToken"][];
        };
        TokenList: {
            items: components["schemas"]["TokenRecord"][];
            /** @description Pass as `cursor` for the next page; null when there is none. */
            nextCursor: string | null;
        };
        ViewerSession: {
            /** @description WCS's mediaSessionId, or `ip:<client ip>/<stream>` when WCS sent none. */
            id: string;
            /** @description The client IP of the session's first request. */
            ip: string | null;
            /** Format: date-time */
            firstSeenAt: string;
            /** Format: date-time */
            lastSeenAt: string;
            active: boolean;
        };
        ViewerSessionList: {
            tokenId: components["schemas"]["TokenId"];
            sessions: components["schemas"]["ViewerSession"][];
        };
        LiveSession: {
            id: components["schemas"]["LiveSessionId"];
            /** @description The opaque token's id (`tok_…`). */
            tokenId: string;
            viewerId: components["schemas"]["ViewerId"] | null;
            stream: string;
            appKey: string;
            clientIp: string | null;
            /** @description What asked for the session's first check (`playHLS`, `playStream`, `publishStream`, `nginx`). */
            method: string;
            /** Format: date-time */
            startedAt: string;
            /** Format: date-time */
            lastSeenAt: string;
            /** @description Allowed checks of the session (playlist reloads, WCS retries). */
            checks: number;
        };
        /** @description One viewer session of one token; the same session checking again keeps its id. */
        LiveSessionId: string;
        LiveSessionList: {
            items: components["schemas"]["LiveSession"][];
            /** @description Give it as `cursor` for the next page; null when there is none. */
            nextCursor: string | null;
        };
        StreamCountList: {
            items: {
                stream: string;
                appKey: string;
                sessions: number;
            }[];
            nextCursor: string | null;
        };
        DecisionRequest: {
            /**
             * @default playHLS
             * @enum {string}
             */
            method: "playHLS" | "playStream" | "publishStream" | "connect";
            /** @description A WCS hook body, of either documented shape. */
            body: {
                [key: string]: unknown;
            };
        };
        DecisionResult: {
            allow: boolean;
            reason: "valid" | components["schemas"]["DenyReason"];
            tokenId: components["schemas"]["TokenId"] | null;
            headers: components["schemas"]["HeaderMap"];
        };
        TokenRecord: {
            id: components["schemas"]["TokenId"];
            /** @constant */
            type: "opaque";
            state: components["schemas"]["TokenState"];
            streams: string[];
            appKeys: string[] | null;
            actions: components["schemas"]["Action"][];
            /** Format: date-time */
            notBefore: string | null;
            /** Format: date-time */
            expiresAt: string;
            headers: components["schemas"]["HeaderMap"];
            metadata: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            revokedAt: string | null;
            disabled: boolean;
            maxUses: components["schemas"]["MaxUses"] | null;
            maxViewers: components["schemas"]["MaxViewers"] | null;
            allowedIps: components["schemas"]["AllowedIps"] | null;
            bindIpOnFirstUse: boolean;
            viewerId: components["schemas"]["ViewerId"] | null;
            maxViewerSessions: components["schemas"]["MaxViewerSessions"] | null;
            /** @description Viewer sessions started (recorded ones; see TOKEN_SESSIONS_RECORDED_MAX for tokens without maxUses). */
            uses: number;
            /** @description With bindIpOnFirstUse, the IP the token is bound to once used. */
            boundIp: string | null;
        };
        IssuedToken: {
            /** @description The secret, shown only in this answer. Only its SHA-256 is stored. */
            token: string;
            record: components["schemas"]["TokenRecord"];
        };
        /**
         * @description Issue a signed JWT (with the first key of `JWT_SIGNING_KEYS`) instead of an opaque token. Nothing is
         *     stored: the policy travels in the claims (see `JwtClaims`), with a random `jti` for revocation.
         */
        IssueJwtRequest: {
            /** @constant */
            type: "jwt";
            /** @description Exact stream names or `*` globs (claim `streams`). */
            streams: string[];
            appKeys?: string[];
            /** @description Default `[play]`. */
            actions?: components["schemas"]["Action"][];
            /** @description Lifetime from now (claim `exp`). Default TOKEN_DEFAULT_TTL_SECONDS; at most TOKEN_MAX_TTL_SECONDS. Not with expiresAt. */
            ttlSeconds?: number;
            /** Format: date-time */
            expiresAt?: string;
            /**
             * Format: date-time
             * @description Claim `nbf`.
             */
            notBefore?: string;
            headers?: components["schemas"]["HeaderMap"];
            /** @description IPv4/IPv6 addresses or CIDR ranges the viewer's IP must be in. */
            allowedIps?: string[];
            /** @description One-time token; the first viewer session owns it. */
            once?: boolean;
            /**
             * @description Claim `vid`, passed downstream in the `JWT_VIEWER_ID_HEADER` response header; the token's sessions
             *     count towards this viewer's live sessions (see `maxViewerSessions`).
             */
            viewerId?: string;
            /** @description Claim `mvs`, the viewer's live session limit across tokens (else `VIEWER_MAX_SESSIONS`). */
            maxViewerSessions?: components["schemas"]["MaxViewerSessions"];
            /** @description Claim `sub`, for the operator's own use. */
            subject?: string;
        };
        IssuedJwt: {
            /** @constant */
            type: "jwt";
            /** @description The signed JWT, shown only in this answer. */
            token: string;
            /** @description The token's id, for `POST /v1/revocations`. */
            jti: string;
            /** @description The signing key's id (also in the token header). */
            kid: string;
            /** @enum {string} */
            alg: "HS256" | "HS384" | "HS512" | "RS256" | "RS384" | "RS512" | "PS256" | "ES256" | "ES384" | "EdDSA";
            /** Format: date-time */
            expiresAt: string;
            claims: components["schemas"]["JwtClaims"];
        };
        /**
         * @description The claims the service reads from a JWT; others are ignored. exp/nbf/iat are NumericDate seconds and are
         *     checked with `JWT_CLOCK_SKEW_SECONDS` of tolerance; `exp` is required unless `JWT_REQUIRE_EXP=false`;
         *     `iss` and `aud` are checked when `JWT_ISSUERS` / `JWT_AUDIENCES` are set. A claim of the wrong type refuses
         *     the token (`invalid_claims`), and so do exp/nbf/iat beyond ±253402300799 (9999-12-31T23:59:59Z) and a
         *     payload with a string or key that is not well-formed Unicode (a lone surrogate), nested deeper than 32
         *     levels or carrying a `__proto__` key.
         */
        JwtClaims: {
            iss?: string;
            sub?: string;
            aud?: string | string[];
            exp?: number;
            nbf?: number;
            iat?: number;
            /** @description Needed for revocation and for `once`. */
            jti?: string;
            /** @description Stream patterns (exact names or `*` globs). Absent = no stream is allowed. */
            streams?: string | string[];
            /** @description WCS applications the token is valid for. Absent = any. */
            appKeys?: string[];
            /** @description Absent = `[play]`. */
            actions?: components["schemas"]["Action"][];
            /** @description IPv4/IPv6 addresses or CIDR ranges; the viewer's IP (from WCS's sessionId) must be in one. */
            allowedIps?: string[];
            headers?: components["schemas"]["HeaderMap"];
            /**
             * @description Viewer id, added to the 200 answer as the `JWT_VIEWER_ID_HEADER` header (default X-Viewer-Id). The
             *     token's sessions count towards this viewer's live sessions across all tokens and streams.
             */
            vid?: string;
            /** @description The viewer's live session limit across tokens (as `maxViewerSessions`; else `VIEWER_MAX_SESSIONS`). */
            mvs?: number;
            /**
             * @description One-time token (needs `jti`): the first viewer session (WCS's mediaSessionId) to be allowed owns it;
             *     the same session is allowed again (WCS retries, playlist reloads); a refused request claims nothing.
             */
            once?: boolean;
        } & {
            [key: string]: unknown;
        };
        RevocationRequest: {
            jti: string;
            /** @description The token's `exp` (NumericDate seconds); the denylist entry lasts until then plus the clock skew. */
            exp: number;
        };
        Revocation: {
            jti: string;
            exp: number;
            /**
             * Format: date-time
             * @description When the denylist entry expires (exp plus JWT_CLOCK_SKEW_SECONDS).
             */
            revokedUntil: string;
        };
        JwkSet: {
            keys: ({
                /** @enum {string} */
                kty: "RSA" | "EC" | "OKP";
                kid: string;
                alg: string;
                /** @constant */
                use: "sig";
            } & {
                [key: string]: unknown;
            })[];
        };
        /**
         * @description Machine code of a refusal (logs, metrics, dry runs — never the viewer).
         * @enum {string}
         */
        DenyReason: "missing_token" | "malformed_token" | "unknown_token" | "expired" | "not_yet_valid" | "revoked" | "disabled" | "stream_not_allowed" | "app_not_allowed" | "action_not_allowed" | "invalid_signature" | "algorithm_not_allowed" | "unknown_key" | "invalid_claims" | "wrong_issuer" | "wrong_audience" | "ip_not_allowed" | "already_used" | "ip_mismatch" | "use_limit_reached" | "viewer_limit_reached" | "viewer_session_limit" | "session_ended" | "session_replaced" | "unreadable_record" | "bad_signature" | "store_unavailable" | "unrecognized_uri" | "method_not_allowed" | "throttled";
        Readiness: {
            /** @enum {string} */
            status: "ready" | "degraded" | "store_unavailable" | "shutting_down";
            /** @enum {string} */
            store: "memory" | "redis";
        };
        Error: {
            error: {
                /** @enum {string} */
                code: "invalid_json" | "validation_failed" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict" | "idempotency_in_progress" | "payload_too_large" | "unsupported_media_type" | "idempotency_key_reused" | "too_many_requests" | "internal" | "store_unavailable";
                message: string;
                requestId: string;
                details?: {
                    field: string;
                    message: string;
                }[];
            };
        };
    };
    responses: {
        /**
         * @description Malformed JSON, a field of the wrong type, or a string or key that is not well-formed Unicode (an unpaired
         *     surrogate, e.g. the escape `\ud800`, anywhere in the body); the message names the field. A malformed
         *     percent-escape in the path (e.g. `%ZZ`) is refused the same way. On every admin route a query parameter the
         *     route does not read is refused the same way, naming the parameter as the field (only `GET /v1/tokens` reads
         *     any: `limit`, `cursor`, `stream`, `appKey`, `state`).
         */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "validation_failed",
                 *         "message": "streams: Too small: expected array to have >=1 items",
                 *         "requestId": "9b2f1c1e-8d0c-4a53-9a43-2f1f0d7c2a11",
                 *         "details": [
                 *           {
                 *             "field": "streams",
                 *             "message": "Too small: expected array to have >=1 items"
                 *           }
                 *         ]
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No admin API key, or not a valid one. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The admin API key lacks the scope this route needs. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such token (never issued, expired and removed, or a malformed id). */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is larger than BODY_LIMIT_BYTES. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The Content-Type is not application/json, or (WCS hook) the body is compressed (any Content-Encoding but identity). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description An unexpected failure inside the service (a bug); the log line with the same requestId has the details, the body none. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The token is revoked (final) and cannot be changed, or it kept changing during the update. */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description `idempotency_in_progress`: a request with the same `Idempotency-Key` is still being answered. Nothing was
         *     issued by this one; retry after `Retry-After` seconds to get the first request's answer.
         */
        IdempotencyInProgress: {
            headers: {
                "Retry-After"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `idempotency_key_reused`: this `Idempotency-Key` was used with another request body. Nothing was issued. */
        IdempotencyKeyReused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description Too many failed authentications from this client address (ADMIN_AUTH_MAX_FAILURES within
         *     ADMIN_AUTH_WINDOW_SECONDS); every request from it is refused until the window ends. Parallel requests
         *     cannot outrun the count.
         */
        TooManyRequests: {
            headers: {
                /** @description Seconds to wait (the window length). */
                "Retry-After"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The token store did not answer within STORE_TIMEOUT_MS, or (REDIS_WAIT_REPLICAS) fewer replicas than
         *     required acknowledged the write in time. Retry later: issue and revoke are safe to retry. One budget of
         *     STORE_TIMEOUT_MS covers the whole admin request (the failed-authentication limiter's check and every
         *     store call). When the limiter's store does not answer, every admin request gets this 503 (the limit
         *     fails closed), including JWT issuing; nothing is counted as a failed authentication then.
         */
        StoreUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying (1). */
                "Retry-After"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /**
         * @description `WCS <hmac-md5 hex>` over the raw body bytes, keyed with `WCS_SIGNING_SECRET` (WCS's
         *     `rest_hook_secret_key`). Required when the secret is configured; either hex case is accepted.
         * @example WCS 0004dd073926b02fc98e41c3914f9615
         */
        WcsSignature: string;
        /**
         * @description Makes issuing safe to retry (a timeout, a 503, a lost answer). The first request with a key issues and its
         *     201 answer is kept for 24 hours; a later request from the same admin key to the same route with the same key
         *     and the same JSON body (key order does not matter) gets that answer again, secrets included, with
         *     `Idempotent-Replayed: true`, and issues nothing. The same key with another body is refused with 422
         *     `idempotency_key_reused`. While the first request is still being answered, a duplicate gets 409
         *     `idempotency_in_progress` with `Retry-After: 1` (it never waits, and never issues). Only 201 answers are
         *     kept: after a 4xx or 503 the key may be used again. Keys of different admin keys never meet.
         *
         *     The kept answer is never stored in clear: it is sealed with AES-256-GCM under a key derived (HKDF-SHA256)
         *     from the idempotency key and the admin key's digest, and the idempotency key itself is not stored; the store
         *     holds an HMAC lookup id, an HMAC of the body and the sealed answer.
         * @example 6f1c2b9e-4d1a-4f4e-9c1e-1b2f0c9d8e7a
         */
        IdempotencyKey: string;
    };
    requestBodies: never;
    headers: {
        /** @description The caller's X-Request-Id when it is sane, else a generated one. */
        XRequestId: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    playHls: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description `WCS <hmac-md5 hex>` over the raw body bytes, keyed with `WCS_SIGNING_SECRET` (WCS's
                 *     `rest_hook_secret_key`). Required when the secret is configured; either hex case is accepted.
                 * @example WCS 0004dd073926b02fc98e41c3914f9615
                 */
                Authorization?: components["parameters"]["WcsSignature"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WcsPlayHlsBody"];
            };
        };
        responses: {
            /**
             * @description Allowed. The body is the request body, byte for byte. Carries the headers of `HOOK_ALLOW_HEADERS` and
             *     the token's own `headers`.
             */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WcsPlayHlsBody"];
                };
            };
            400: components["responses"]["BadRequest"];
            /**
             * @description Denied (bad token, bad signature, throttled, or store failure under `STORE_FAILURE_POLICY=deny` or
             *     an uncached request under `cached`). WCS answers the viewer 401. The body never says why; with `EXPOSE_DENY_REASON=true` the `X-Deny-Reason` header
             *     carries the reason code (for debugging only).
             */
            403: {
                headers: {
                    /** @description Present only with EXPOSE_DENY_REASON=true. */
                    "X-Deny-Reason"?: components["schemas"]["DenyReason"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "message": "Access denied",
                     *         "requestId": "9b2f1c1e-8d0c-4a53-9a43-2f1f0d7c2a11"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    wcsOtherMethod: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description `WCS <hmac-md5 hex>` over the raw body bytes, keyed with `WCS_SIGNING_SECRET` (WCS's
                 *     `rest_hook_secret_key`). Required when the secret is configured; either hex case is accepted.
                 * @example WCS 0004dd073926b02fc98e41c3914f9615
                 */
                Authorization?: components["parameters"]["WcsSignature"];
            };
            path: {
                /**
                 * @description The WCS REST method name.
                 * @example StreamStatusEvent
                 */
                method: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "nodeId": "NTk1tLorQ00llGbPJuFexrKceubGCR0k@192.168.1.5",
                 *       "appKey": "defaultApp",
                 *       "sessionId": "/192.168.1.100:59473/192.168.1.5:8445",
                 *       "mediaSessionId": "60709c5b-6950-40c3-8a3d-37ea0827ae32-7274-HLS",
                 *       "name": "test",
                 *       "status": "PLAYING"
                 *     }
                 */
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description The request body, echoed byte for byte. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            400: components["responses"]["BadRequest"];
            /**
             * @description Missing or wrong WCS signature (only with WCS_SIGNING_SECRET set), or, for a method in
             *     ENFORCED_METHODS, a token that does not allow the request.
             */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    nginxAuth: {
        parameters: {
            query?: never;
            header: {
                /** @description The viewer's request URI with its query string (`proxy_set_header X-Original-URI $request_uri`). */
                "X-Original-URI": string;
                /**
                 * @description The viewer's method (`$request_method`); only GET and HEAD are allowed. Missing = GET.
                 * @example GET
                 */
                "X-Original-Method"?: string;
                /**
                 * @description The viewer's address (`$remote_addr`), believed only from a trusted proxy.
                 * @example 203.0.113.7
                 */
                "X-Real-IP"?: string;
                /**
                 * @description Used when X-Real-IP is absent, walked from the right past trusted proxies.
                 * @example 203.0.113.7, 10.0.0.2
                 */
                "X-Forwarded-For"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /**
             * @description Allowed. Carries `HOOK_ALLOW_HEADERS`, the token's own `headers` and `X-Auth-Token-Id`, which nginx can
             *     read with `auth_request_set $var $upstream_http_<header name>` to log or forward them.
             */
            204: {
                headers: {
                    /**
                     * @description Which token allowed the request: an opaque token's public id (`tok_…`), a JWT's `jti` (1-256
                     *     characters), or `jwt:` and 16 hex digits of the token's SHA-256 for a JWT without one. Absent when the
                     *     store failed and STORE_FAILURE_POLICY=allow let the request through, and when a `jti` holds a character
                     *     a header cannot carry (outside tab and printable ASCII).
                     */
                    "X-Auth-Token-Id"?: string;
                    /**
                     * @description Playlists only, with `EDGE_SIGNING_SECRET` set: the query parameters nginx adds to the playlist's
                     *     segment URIs (`wta_exp`, `wta_tid`, `wta_ip`, `wta_sig`), read with
                     *     `auth_request_set $wta_edge_query $upstream_http_x_edge_query`. Absent when the viewer's address is
                     *     to be signed (`EDGE_SIGNATURE_BIND_ADDRESS`) but unknown.
                     * @example wta_exp=1796162819&wta_tid=tok_cvjTmGxsx7NWQ4O5&wta_ip=1&wta_sig=agbSXgYA5g7PEpb6Xq7EZQ
                     */
                    "X-Edge-Query"?: string;
                    /**
                     * @description Playlists only, with `EDGE_SIGNING_SECRET` set: base64url(MD5("<expires>|<viewer address or empty>|<token
                     *     id>|<the playlist's directory as requested, e.g. /live>|<EDGE_SIGNING_SECRET>")), what nginx's `secure_link_md5`
                     *     recomputes. The same value as `wta_sig` in `X-Edge-Query`.
                     */
                    "X-Edge-Signature"?: string;
                    /** @description Playlists only, with `EDGE_SIGNING_SECRET` set. Unix time (seconds) after which nginx refuses the signature (now + `EDGE_SIGNATURE_TTL_SECONDS`). */
                    "X-Edge-Expires"?: string;
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /**
             * @description X-Original-URI is missing: nginx is misconfigured. nginx answers the viewer 500 for any status other
             *     than 2xx, 401 and 403, so the request fails closed.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "message": "X-Original-URI: header is required (proxy_set_header X-Original-URI $request_uri)",
                     *         "requestId": "9b2f1c1e-8d0c-4a53-9a43-2f1f0d7c2a11",
                     *         "details": [
                     *           {
                     *             "field": "X-Original-URI",
                     *             "message": "header is required"
                     *           }
                     *         ]
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No token in the URI. nginx answers the viewer 401. */
            401: {
                headers: {
                    /** @description Present only with EXPOSE_DENY_REASON=true. */
                    "X-Deny-Reason"?: components["schemas"]["DenyReason"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "unauthorized",
                     *         "message": "A token is required",
                     *         "requestId": "9b2f1c1e-8d0c-4a53-9a43-2f1f0d7c2a11"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /**
             * @description Denied (bad token, a URI that is not an HLS playlist or segment, a method other than GET/HEAD, or a
             *     store failure under `STORE_FAILURE_POLICY=deny`). nginx answers the viewer 403. The body never says why.
             */
            403: {
                headers: {
                    /** @description Present only with EXPOSE_DENY_REASON=true. */
                    "X-Deny-Reason"?: components["schemas"]["DenyReason"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "message": "Access denied",
                     *         "requestId": "9b2f1c1e-8d0c-4a53-9a43-2f1f0d7c2a11"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
    listTokens: {
        parameters: {
            query?: {
                /** @description Items per page (default 50). */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
                /**
                 * @description Only tokens that grant this stream (an exact name or a matching pattern).
                 * @example event-42-720p
                 */
                stream?: string;
                /** @description Only tokens valid for this WCS application (tokens without appKeys are valid for all). */
                appKey?: string;
                state?: components["schemas"]["TokenState"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "tok_4fJ0yq2Zk1Vb8x3C",
                     *           "type": "opaque",
                     *           "state": "active",
                     *           "streams": [
                     *             "event-42-*"
                     *           ],
                     *           "appKeys": [
                     *             "defaultApp"
                     *           ],
                     *           "actions": [
                     *             "play"
                     *           ],
                     *           "notBefore": null,
                     *           "expiresAt": "2030-01-01T00:00:00.000Z",
                     *           "headers": {},
                     *           "metadata": {},
                     *           "createdAt": "2029-12-31T12:00:00.000Z",
                     *           "revokedAt": null,
                     *           "disabled": false,
                     *           "maxUses": 1,
                     *           "maxViewers": null,
                     *           "allowedIps": null,
                     *           "bindIpOnFirstUse": false,
                     *           "viewerId": null,
                     *           "maxViewerSessions": null,
                     *           "uses": 0,
                     *           "boundIp": null
                     *         }
                     *       ],
                     *       "nextCursor": "MDAxODkzNDUxNjAwMDAwOnRva180ZkoweXEyWmsxVmI4eDND"
                     *     }
                     */
                    "application/json": components["schemas"]["TokenList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    issueToken: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes issuing safe to retry (a timeout, a 503, a lost answer). The first request with a key issues and its
                 *     201 answer is kept for 24 hours; a later request from the same admin key to the same route with the same key
                 *     and the same JSON body (key order does not matter) gets that answer again, secrets included, with
                 *     `Idempotent-Replayed: true`, and issues nothing. The same key with another body is refused with 422
                 *     `idempotency_key_reused`. While the first request is still being answered, a duplicate gets 409
                 *     `idempotency_in_progress` with `Retry-After: 1` (it never waits, and never issues). Only 201 answers are
                 *     kept: after a 4xx or 503 the key may be used again. Keys of different admin keys never meet.
                 *
                 *     The kept answer is never stored in clear: it is sealed with AES-256-GCM under a key derived (HKDF-SHA256)
                 *     from the idempotency key and the admin key's digest, and the idempotency key itself is not stored; the store
                 *     holds an HMAC lookup id, an HMAC of the body and the sealed answer.
                 * @example 6f1c2b9e-4d1a-4f4e-9c1e-1b2f0c9d8e7a
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["IssueTokenRequest"] | components["schemas"]["IssueJwtRequest"];
            };
        };
        responses: {
            /**
             * @description Issued. `token` is the secret; it is not stored and cannot be read again. An opaque token answers
             *     `IssuedToken` with a `Location`; a JWT (`type: jwt`) answers `IssuedJwt` and has no record to read back.
             */
            201: {
                headers: {
                    /** @description The token's admin URL (opaque tokens only). */
                    Location?: string;
                    /** @description `true` when this is the stored answer to an earlier request with the same `Idempotency-Key`. */
                    "Idempotent-Replayed"?: "true";
                    "Cache-Control"?: "no-store";
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IssuedToken"] | components["schemas"]["IssuedJwt"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["IdempotencyInProgress"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["IdempotencyKeyReused"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    issueTokenBatch: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes issuing safe to retry (a timeout, a 503, a lost answer). The first request with a key issues and its
                 *     201 answer is kept for 24 hours; a later request from the same admin key to the same route with the same key
                 *     and the same JSON body (key order does not matter) gets that answer again, secrets included, with
                 *     `Idempotent-Replayed: true`, and issues nothing. The same key with another body is refused with 422
                 *     `idempotency_key_reused`. While the first request is still being answered, a duplicate gets 409
                 *     `idempotency_in_progress` with `Retry-After: 1` (it never waits, and never issues). Only 201 answers are
                 *     kept: after a 4xx or 503 the key may be used again. Keys of different admin keys never meet.
                 *
                 *     The kept answer is never stored in clear: it is sealed with AES-256-GCM under a key derived (HKDF-SHA256)
                 *     from the idempotency key and the admin key's digest, and the idempotency key itself is not stored; the store
                 *     holds an HMAC lookup id, an HMAC of the body and the sealed answer.
                 * @example 6f1c2b9e-4d1a-4f4e-9c1e-1b2f0c9d8e7a
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["IssueBatchRequest"];
            };
        };
        responses: {
            /** @description Issued, in request order. The secrets are in this answer only (and in its idempotent replays). */
            201: {
                headers: {
                    /** @description `true` when this is the stored answer to an earlier request with the same `Idempotency-Key`. */
                    "Idempotent-Replayed"?: "true";
                    "Cache-Control"?: "no-store";
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IssuedBatch"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["IdempotencyInProgress"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["IdempotencyKeyReused"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    getToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["TokenId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The record. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenRecord"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["TokenId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked record. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenRecord"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    updateToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["TokenId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateTokenRequest"];
                "application/merge-patch+json": components["schemas"]["UpdateTokenRequest"];
            };
        };
        responses: {
            /** @description The record after the change. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenRecord"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    listTokenSessions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["TokenId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sessions. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "tokenId": "tok_4fJ0yq2Zk1Vb8x3C",
                     *       "sessions": [
                     *         {
                     *           "id": "60709c5b-6950-40c3-8a3d-37ea0827ae32-7274-HLS",
                     *           "ip": "192.168.1.100",
                     *           "firstSeenAt": "2029-12-31T20:00:00.000Z",
                     *           "lastSeenAt": "2029-12-31T20:41:12.000Z",
                     *           "active": true
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ViewerSessionList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    listLiveSessions: {
        parameters: {
            query?: {
                stream?: string;
                appKey?: string;
                viewerId?: components["schemas"]["ViewerId"];
                tokenId?: string;
                cursor?: components["schemas"]["LiveSessionId"];
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of live sessions. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "ses_0c9a4c3e1f2b4d5e6f708192a3b4c5d6",
                     *           "tokenId": "tok_4fJ0yq2Zk1Vb8x3C",
                     *           "viewerId": "subscriber-1042",
                     *           "stream": "stream1",
                     *           "appKey": "defaultApp",
                     *           "clientIp": "192.168.1.100",
                     *           "method": "playHLS",
                     *           "startedAt": "2029-12-31T20:00:00.000Z",
                     *           "lastSeenAt": "2029-12-31T20:41:12.000Z",
                     *           "checks": 248
                     *         }
                     *       ],
                     *       "nextCursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["LiveSessionList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    endLiveSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["schemas"]["LiveSessionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ended. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    listLiveStreams: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of streams. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "stream": "final-match",
                     *           "appKey": "defaultApp",
                     *           "sessions": 5210
                     *         },
                     *         {
                     *           "stream": "studio-b",
                     *           "appKey": "defaultApp",
                     *           "sessions": 12
                     *         }
                     *       ],
                     *       "nextCursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["StreamCountList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    dryRunDecision: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "method": "playHLS",
                 *       "body": {
                 *         "appKey": "defaultApp",
                 *         "sessionId": "/192.168.1.100:59473/192.168.1.5:8445",
                 *         "mediaSessionId": "60709c5b-6950-40c3-8a3d-37ea0827ae32-7274-HLS",
                 *         "name": "test",
                 *         "custom": {
                 *           "token": "wta_3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 *         }
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["DecisionRequest"];
            };
        };
        responses: {
            /** @description The decision. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DecisionResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    revokeJwt: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RevocationRequest"];
            };
        };
        responses: {
            /** @description Revoked (or already past its lifetime). */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Revocation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    jwks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key set. */
            200: {
                headers: {
                    "Cache-Control"?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "keys": [
                     *         {
                     *           "kty": "EC",
                     *           "crv": "P-256",
                     *           "x": "ffUdJx6by99VG1VbtDM7WKAnmiZQ4O5lG17qtSvQrBc",
                     *           "y": "RiiYif7iXUkBB_6zeqKKZe0OlNXzK09hA36JqNhledw",
                     *           "kid": "sig-2030-01",
                     *           "alg": "ES256",
                     *           "use": "sig"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["JwkSet"];
                };
            };
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ok";
                        /**
                         * @description The service's version (package.json; CHANGELOG.md lists what each one changed).
                         * @example 0.2.0
                         */
                        version: string;
                    };
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready, or degraded (store unreachable, decisions follow STORE_FAILURE_POLICY=allow or cached). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /**
             * @description The store does not answer and STORE_FAILURE_POLICY=deny (`store_unavailable`), or the instance is
             *     shutting down.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format. */
            200: {
                headers: {
                    "Cache-Control"?: "no-store";
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example # HELP wcs_auth_decisions_total Authorization decisions by WCS method (or nginx), result and reason code.
                     *     # TYPE wcs_auth_decisions_total counter
                     *     wcs_auth_decisions_total{method="playHLS",result="allow",reason="valid",token_kind="opaque"} 42
                     */
                    "text/plain": string;
                };
            };
            /** @description METRICS_BEARER_TOKEN is set and the request lacks it or carries another token. */
            401: {
                headers: {
                    /** @example Bearer */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description METRICS_PORT is set and this is the main port. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
