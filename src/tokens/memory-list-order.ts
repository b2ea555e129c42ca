import { listPosition } from './token-list.js';

/**
 * The memory store's tokens in listing order (token-list.ts's position: `createdAt`, then id), kept in order as
 * tokens are created, so a listing page reads only the slots it returns. Sorting every token for every page, as
 * the store did, held the event loop (and every decision with it) for ~3 s per page at a million tokens, and ~30 s
 * for a filtered page. Two parallel arrays, ~16 bytes a token; a token that is gone leaves its slot until `keep`
 * drops it (the store's sweep), and readers skip such slots.
 */
export class ListOrder {
  private createdAt: number[] = [];
  private ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** A new token: appended when it is the newest, as nearly every one is; else put in its place. */
  add(createdAt: number, id: string): void {
    const position = listPosition({ createdAt, id });
    const end = this.ids.length;
    const at = end === 0 || this.positionAt(end - 1) < position ? end : this.firstAtOrAfter(position);
    this.createdAt.splice(at, 0, createdAt);
    this.ids.splice(at, 0, id);
  }

  /** The slot of the newest token before `after` (all of them: undefined), or -1. Read down from there. */
  startBefore(after: string | undefined): number {
    return (after === undefined ? this.ids.length : this.firstAtOrAfter(after)) - 1;
  }

  positionAt(slot: number): string {
    return listPosition({ createdAt: this.createdAt[slot] ?? 0, id: this.ids[slot] ?? '' });
  }

  idAt(slot: number): string {
    return this.ids[slot] ?? '';
  }

  createdAtOf(slot: number): number {
    return this.createdAt[slot] ?? Number.NaN;
  }

  /** Keeps only the slots `live` says are still tokens, in order. */
  keep(live: (id: string, createdAt: number) => boolean): void {
    const createdAt: number[] = [];
    const ids: string[] = [];
    for (let slot = 0; slot < this.ids.length; slot++) {
      const id = this.idAt(slot);
      const at = this.createdAtOf(slot);
      if (live(id, at)) {
        createdAt.push(at);
        ids.push(id);
      }
    }
    this.createdAt = createdAt;
    this.ids = ids;
  }

  /** The first slot whose position is `position` or after it (binary search). */
  private firstAtOrAfter(position: string): number {
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.positionAt(middle) < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
