/**
 * A binary min-heap of plays by delivery time, ties broken by insertion order so the output order
 * is a pure function of the seed.
 */
export class DeliveryHeap<T extends { deliverAtMs: number }> {
  private readonly items: Array<{ item: T; seq: number }> = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekTime(): number {
    return this.items.length > 0 ? this.items[0]!.item.deliverAtMs : Number.POSITIVE_INFINITY;
  }

  push(item: T): void {
    const entry = { item, seq: this.seq++ };
    const items = this.items;
    let i = items.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(entry, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (!top || !last) return undefined;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && this.less(items[right]!, items[left]!) ? right : left;
        if (!this.less(items[child]!, last)) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top.item;
  }

  private less(a: { item: T; seq: number }, b: { item: T; seq: number }): boolean {
    return a.item.deliverAtMs < b.item.deliverAtMs || (a.item.deliverAtMs === b.item.deliverAtMs && a.seq < b.seq);
  }
}
