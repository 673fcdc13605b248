import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import type { EmitFn, MergeOutcome, SourceProgress, StateCodec, StateEntry, StateStore } from "../../pipeline/state/stateStore.js";

/**
 * A shared in-memory store whose every operation yields a random number of event-loop turns first, so
 * that concurrent pipeline instances interleave differently on every run, as instances sharing Table
 * Storage do. The randomness is seeded: a failing property replays exactly.
 */
export class ShuffledStore implements StateStore {
  readonly inner = new MemoryStateStore();
  constructor(private readonly random: () => number) {}

  private async jitter(): Promise<void> {
    const turns = Math.floor(this.random() * 4);
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async read<T>(keys: readonly string[], codec: StateCodec<T>): Promise<Map<string, T>> {
    await this.jitter();
    return this.inner.read(keys, codec);
  }

  async mergeWrite<T>(entries: ReadonlyMap<string, StateEntry<T>>, codec: StateCodec<T>, emit?: EmitFn<T>): Promise<Map<string, MergeOutcome<T>>> {
    await this.jitter();
    return this.inner.mergeWrite(entries, codec, emit);
  }

  async recordProgress(source: string, eventTime: number): Promise<void> {
    await this.jitter();
    return this.inner.recordProgress(source, eventTime);
  }

  async progress(): Promise<Map<string, SourceProgress>> {
    await this.jitter();
    return this.inner.progress();
  }

  async sweep(watermark: number): Promise<number> {
    await this.jitter();
    return this.inner.sweep(watermark);
  }
}
