/**
 * A binary min-heap of plays by delivery time, ties broken by insertion order (`order`, stamped on
 * push) so the output order is a pure function of the seed. Items are stored directly: no wrapper
 * object per entry on the hot path. Their keys are kept beside them in two number arrays, so sifting
 * compares values stored next to each other instead of reading a play object scattered in the heap
 * at every level (thousands of plays wait here: live sessions and offline ones not yet synced).
 */
export class DeliveryHeap<T extends { deliverAtMs: number; order: number }> {
  private readonly items: T[] = [];
  private readonly times: number[] = [];
  private readonly orders: number[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekTime(): number {
    return this.items.length > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** `item.deliverAtMs` must not change while the item is in the heap. */
  push(item: T): void {
    const order = this.seq++;
    item.order = order;
    const time = item.deliverAtMs;
    const { items, times, orders } = this;
    let i = items.length;
    items.push(item);
    times.push(time);
    orders.push(order);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentTime = times[parent]!;
      if (!(time < parentTime || (time === parentTime && order < orders[parent]!))) break;
      items[i] = items[parent]!;
      times[i] = parentTime;
      orders[i] = orders[parent]!;
      i = parent;
    }
    items[i] = item;
    times[i] = time;
    orders[i] = order;
  }

  pop(): T | undefined {
    const { items, times, orders } = this;
    const top = items[0];
    const last = items.pop();
    const lastTime = times.pop()!;
    const lastOrder = orders.pop()!;
    if (top === undefined || last === undefined) return undefined;
    const length = items.length;
    if (length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= length) break;
        const right = left + 1;
        let child = left;
        if (right < length && (times[right]! < times[left]! || (times[right] === times[left] && orders[right]! < orders[left]!))) child = right;
        const childTime = times[child]!;
        if (!(childTime < lastTime || (childTime === lastTime && orders[child]! < lastOrder))) break;
        items[i] = items[child]!;
        times[i] = childTime;
        orders[i] = orders[child]!;
        i = child;
      }
      items[i] = last;
      times[i] = lastTime;
      orders[i] = lastOrder;
    }
    return top;
  }
}
