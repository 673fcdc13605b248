/**
 * Small concurrency helpers for the Table store: bounded parallel maps, and per-key serialization so that
 * the pipeline instances of one process never race each other on a key (they would only cost each other
 * 412s and re-reads; races between processes are still resolved by ETags).
 */

/** Maps with at most `limit` calls in flight; results keep the input order. Rejects on the first failure. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/**
 * Per-key FIFO locks. A holder registers on all its keys at once, synchronously, and waits only for
 * earlier holders of the same keys: acquisition order is a total order, so no two holders deadlock.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(keys: readonly string[]): Promise<() => void> {
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const earlier: Promise<void>[] = [];
    for (const key of keys) {
      const tail = this.tails.get(key);
      if (tail) earlier.push(tail);
      this.tails.set(key, done);
    }
    await Promise.all(earlier);
    return () => {
      for (const key of keys) if (this.tails.get(key) === done) this.tails.delete(key);
      release();
    };
  }
}
