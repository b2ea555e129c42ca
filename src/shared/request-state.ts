import type { ServerResponse } from 'node:http';

/** A request's id and arrival time: one clock read per request, shared by its metrics and its decision line. */
export interface RequestTiming {
  readonly requestId: string;
  /** process.hrtime.bigint() when the request arrived. */
  readonly started: bigint;
}

/** What the front door (src/http/front-door.ts) knows about a request, kept on its response for every layer. */
export interface RequestState extends RequestTiming {
  readonly method: string;
  /** The route template for the metrics label; undefined until a route matched (then `unmatched`). */
  route: string | undefined;
}

const STATE = Symbol('wcs-token-auth request state');

type WithState = ServerResponse & { [STATE]?: RequestState };

export function setRequestState(res: ServerResponse, state: RequestState): void {
  (res as WithState)[STATE] = state;
}

export function requestStateOf(res: ServerResponse): RequestState | undefined {
  return (res as WithState)[STATE];
}

/** Seconds since `started` (process.hrtime.bigint()). */
export function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
