/**
 * A binary min-heap of plays by delivery time, ties broken by insertion order (`order`, stamped on
 * push) so the output order is a pure function of the seed. Items are stored directly: no wrapper
 * object per entry on the hot path.
 */
export class DeliveryHeap<T extends { deliverAtMs: number; order: number }> {
  private readonly items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekTime(): number {
    return this.items.length > 0 ? this.items[0]!.deliverAtMs : Number.POSITIVE_INFINITY;
  }

  push(item: T): void {
    item.order = this.seq++;
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(item, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && less(items[right]!, items[left]!) ? right : left;
        if (!less(items[child]!, last)) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}

function less(a: { deliverAtMs: number; order: number }, b: { deliverAtMs: number; order: number }): boolean {
  return a.deliverAtMs < b.deliverAtMs || (a.deliverAtMs === b.deliverAtMs && a.order < b.order);
}
