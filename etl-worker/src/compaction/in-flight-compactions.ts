/** How long a committed compaction is remembered when its inputs never leave the table. */
export const IN_FLIGHT_TTL_MS = 10 * 60_000;

/**
 * Compactions whose manifests are committed on Kafka but not yet applied to the table by
 * catalog-sync: their inputs are still live in the snapshot the next round plans from, and must
 * not be planned again (a second compaction of the same files would be superseded at best, and
 * is wasted work). A generation is forgotten when none of its inputs is live any more (applied,
 * all at once, as one replace snapshot) or after `ttlMs` (the committer dropped it, e.g. because
 * another writer replaced an input first): then the files are planned again from what is live.
 */
export class InFlightCompactions {
  private readonly generations = new Map<string, { inputs: readonly string[]; sinceMs: number }>();
  /** Input key → its generation, so planning asks in O(1) per file. */
  private readonly inputs = new Map<string, string>();

  constructor(private readonly ttlMs = IN_FLIGHT_TTL_MS) {}

  add(generation: string, inputs: readonly string[], nowMs: number): void {
    this.generations.set(generation, { inputs, sinceMs: nowMs });
    for (const key of inputs) this.inputs.set(key, generation);
  }

  busy(key: string): boolean {
    return this.inputs.has(key);
  }

  has(generation: string): boolean {
    return this.generations.has(generation);
  }

  get size(): number {
    return this.generations.size;
  }

  /** Forgets what was applied or has waited too long; returns the generations forgotten, and why. */
  settle(liveKeys: ReadonlySet<string>, nowMs: number): Array<{ generation: string; reason: 'applied' | 'expired' }> {
    const forgotten: Array<{ generation: string; reason: 'applied' | 'expired' }> = [];
    for (const [generation, { inputs, sinceMs }] of this.generations) {
      const reason = !inputs.some((k) => liveKeys.has(k)) ? 'applied' : nowMs - sinceMs >= this.ttlMs ? 'expired' : undefined;
      if (!reason) continue;
      this.generations.delete(generation);
      for (const key of inputs) if (this.inputs.get(key) === generation) this.inputs.delete(key);
      forgotten.push({ generation, reason });
    }
    return forgotten;
  }
}
