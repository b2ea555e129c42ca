import type { MemoryTokenEntry } from './memory-token-entry.js';
import { listPosition } from './token-list.js';

/**
 * The memory store's tokens in listing order (token-list.ts's position: `createdAt`, then id, neither of which a
 * change touches), kept in order as tokens are created, so a listing page reads only the slots it returns. Sorting
 * every token for every page, as the store did, held the event loop (and every decision with it) for ~3 s per page
 * at a million tokens, and ~30 s for a filtered page. One slot (8 bytes) a token; a token that is gone keeps its
 * slot until more than half of them are gone (`compact`), and readers skip such slots.
 */
export class ListOrder {
  private entries: MemoryTokenEntry[] = [];
  private gone = 0;

  get size(): number {
    return this.entries.length;
  }

  /** A new token: appended when it is the newest, as nearly every one is; else put in its place. */
  add(entry: MemoryTokenEntry): void {
    const position = listPosition(entry.record);
    const end = this.entries.length;
    if (end === 0 || this.positionAt(end - 1) < position) this.entries.push(entry);
    else this.entries.splice(this.firstAtOrAfter(position), 0, entry);
  }

  /** The slot of the newest token before `after` (all of them: undefined), or -1. Read down from there. */
  startBefore(after: string | undefined): number {
    return (after === undefined ? this.entries.length : this.firstAtOrAfter(after)) - 1;
  }

  positionAt(slot: number): string {
    return listPosition((this.entries[slot] as MemoryTokenEntry).record);
  }

  entryAt(slot: number): MemoryTokenEntry {
    return this.entries[slot] as MemoryTokenEntry;
  }

  /** A token is gone; once more than half are, the next `compact` drops their slots (amortized: O(1) a token). */
  removed(): void {
    this.gone++;
  }

  /** Keeps only the slots of tokens `isLive` still holds, in order, when more than half are gone. */
  compact(isLive: (entry: MemoryTokenEntry) => boolean): void {
    if (this.gone * 2 <= this.entries.length) return;
    this.entries = this.entries.filter(isLive);
    this.gone = 0;
  }

  /** The first slot whose position is `position` or after it (binary search). */
  private firstAtOrAfter(position: string): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.positionAt(middle) < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
