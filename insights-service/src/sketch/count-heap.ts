/**
 * A binary min-heap by `count`, each slot knowing its own index (`at`), so a Space-Saving sketch
 * can bump a counter in place and restore the order in O(log k). Shared by the minute sketch
 * (space-saving.ts) and the hour sketch with per-minute slices (sliced-space-saving.ts).
 */
export interface HeapSlot {
  count: number;
  /** Index of this slot in its heap. */
  at: number;
}

/** Moves heap[start] towards the root while its parent counts more. */
export function siftUp(heap: HeapSlot[], start: number): void {
  let i = start;
  const slot = heap[i]!;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.count <= slot.count) break;
    heap[i] = heap[parent]!;
    heap[i]!.at = i;
    i = parent;
  }
  heap[i] = slot;
  slot.at = i;
}

/** Moves heap[start] towards the leaves while a child counts less. */
export function siftDown(heap: HeapSlot[], start: number): void {
  const n = heap.length;
  let i = start;
  const slot = heap[i]!;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && heap[right]!.count < heap[left]!.count ? right : left;
    if (heap[child]!.count >= slot.count) break;
    heap[i] = heap[child]!;
    heap[i]!.at = i;
    i = child;
  }
  heap[i] = slot;
  slot.at = i;
}
