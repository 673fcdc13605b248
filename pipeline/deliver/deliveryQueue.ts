/**
 * Delivery for a replay to Log Analytics: rows are committed to the outbox by the pipeline as usual;
 * this uploads them in batches as they come (so a long replay does not hold them all), and at the end
 * keeps retrying what failed, with backoff, until everything is delivered or the patience runs out. What
 * is still pending then stays in the outbox: in a Table store for the deployed Function's timer to
 * deliver, in memory lost with the process, which the caller must report.
 */
import type { IncidentRow } from "../incidents/incidentRow.js";
import type { IncidentOutbox } from "../state/incidentOutbox.js";
import { type DeliveryReport, deliverCommitted, drainOutbox, emptyDeliveryReport, type IncidentSink } from "./deliverIncidents.js";

export interface DeliveryQueueOptions {
  readonly sink: IncidentSink;
  readonly outbox: IncidentOutbox;
  /** Rows per upload while the replay runs. Default 500. */
  readonly batchRows?: number;
  /** First retry delay at the end; doubles per round. Default 2 s. */
  readonly retryDelayMs?: number;
  /** How long to keep retrying at the end before giving up. Default 2 minutes. */
  readonly patienceMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class DeliveryQueue {
  readonly report: DeliveryReport = emptyDeliveryReport();
  private buffered: IncidentRow[] = [];
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly options: DeliveryQueueOptions) {}

  /** Queues a committed row; uploads when a batch is full (waiting for the previous upload first). */
  async add(row: IncidentRow): Promise<void> {
    this.buffered.push(row);
    if (this.buffered.length >= (this.options.batchRows ?? 500)) await this.flush();
  }

  /** Uploads everything queued, then retries what is pending until delivered or out of rounds. */
  async finish(): Promise<{ readonly report: DeliveryReport; readonly pending: number }> {
    await this.flush();
    await this.inFlight;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const base = this.options.retryDelayMs ?? 2_000;
    const giveUpAt = Date.now() + (this.options.patienceMs ?? 120_000);
    let pending = (await this.options.outbox.pending()).length;
    for (let round = 0; pending > 0 && Date.now() < giveUpAt; round++) {
      await sleep(Math.min(base * 2 ** round, Math.max(0, giveUpAt - Date.now())));
      // The wait covers the retry time each failure was given, which grows the same way.
      this.record(await drainOutbox(this.delivery()));
      pending = (await this.options.outbox.pending()).length;
    }
    return { report: this.report, pending };
  }

  private async flush(): Promise<void> {
    await this.inFlight;
    const rows = this.buffered;
    this.buffered = [];
    if (rows.length === 0) return;
    this.inFlight = deliverCommitted(rows, this.delivery()).then((result) => this.record(result));
  }

  private delivery() {
    return { sink: this.options.sink, outbox: this.options.outbox, retryDelayMs: this.options.retryDelayMs ?? 2_000 };
  }

  private record(result: DeliveryReport): void {
    this.report.delivered += result.delivered;
    this.report.failed += result.failed;
    for (const error of result.errors) if (!this.report.errors.includes(error)) this.report.errors.push(error);
  }
}
