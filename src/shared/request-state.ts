import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/** A request's id and arrival time: one clock read per request, shared by its metrics and its decision line. */
export interface RequestTiming {
  readonly requestId: string;
  /** performance.now() (ms) when the request arrived: a double, where hrtime.bigint() allocated a BigInt per read. */
  readonly started: number;
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

/** The clock of `started`: milliseconds, monotonic. */
export function arrivalTime(): number {
  return performance.now();
}

/** Seconds since `started` (arrivalTime()). */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1e3;
}
