/**
 * One transactional producer per process, several writers (ETL loop, compactor, tracks snapshots):
 * their transactions run one after another, never interleaved.
 */
export class TransactionQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
