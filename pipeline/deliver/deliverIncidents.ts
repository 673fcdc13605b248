/**
 * Moves incident rows from the outbox to Log Analytics: rows an instance just committed (it holds their
 * first lease) and, from the timer, rows whose lease ran out. A delivered row is marked so; a row the
 * sink could not deliver stays pending with its error and a retry time that backs off with its attempts.
 * Upload failures are recorded, never thrown; a failure to record them (the table is down) is thrown, and
 * the row's lease running out brings it back later anyway.
 */
import { emissionIdOf } from "../incidents/buildIncidentRow.js";
import type { IncidentRow } from "../incidents/incidentRow.js";
import type { DeliveryFailure, IncidentOutbox, PendingEmission } from "../state/incidentOutbox.js";
import type { UploadResult } from "./logsIngestionSink.js";

/** Where rows go: LogsIngestionSink in Azure. */
export interface IncidentSink {
  upload(rows: readonly IncidentRow[], options?: { abortSignal?: AbortSignal }): Promise<UploadResult>;
}

export interface DeliveryOptions {
  readonly sink: IncidentSink;
  readonly outbox: IncidentOutbox;
  /** Wall clock, epoch ms. */
  readonly now?: () => number;
  /** Backoff after the first failed attempt; doubles per attempt up to `maxRetryDelayMs`. Default 30 s. */
  readonly retryDelayMs?: number;
  /** Default 1 hour: a row that keeps failing is still tried every hour, and never dropped. */
  readonly maxRetryDelayMs?: number;
  readonly random?: () => number;
}

export interface DeliveryReport {
  delivered: number;
  failed: number;
  /** Distinct error texts of this run's failures, for the log. */
  readonly errors: string[];
}

export function emptyDeliveryReport(): DeliveryReport {
  return { delivered: 0, failed: 0, errors: [] };
}

/** Uploads rows this instance just committed to the outbox, and records the outcome there. */
export async function deliverCommitted(rows: readonly IncidentRow[], options: DeliveryOptions): Promise<DeliveryReport> {
  return deliver(
    rows.map((row) => ({ id: emissionIdOf(row), row, attempts: 0 })),
    options,
  );
}

export interface DrainOptions extends DeliveryOptions {
  /** How long a drain holds the rows it takes. Default 5 minutes. */
  readonly leaseMs?: number;
  /** Rows per lease round. Default 500. */
  readonly batchSize?: number;
  /** Lease rounds per call, so one timer run ends. Default 20. */
  readonly maxRounds?: number;
}

/** Delivers pending rows whose lease ran out: the timer's job. */
export async function drainOutbox(options: DrainOptions): Promise<DeliveryReport> {
  const now = options.now ?? Date.now;
  const report = emptyDeliveryReport();
  for (let round = 0; round < (options.maxRounds ?? 20); round++) {
    const leased = await options.outbox.lease({ now: now(), leaseMs: options.leaseMs ?? 5 * 60_000, limit: options.batchSize ?? 500 });
    if (leased.length === 0) break;
    const result = await deliver(leased.map(parsePending), options);
    report.delivered += result.delivered;
    report.failed += result.failed;
    for (const error of result.errors) if (!report.errors.includes(error)) report.errors.push(error);
    // What failed now is leased until its retry time: another round would not see it again.
    if (leased.length < (options.batchSize ?? 500)) break;
  }
  return report;
}

interface Delivery {
  readonly id: string;
  readonly row: IncidentRow;
  readonly attempts: number;
}

async function deliver(items: readonly Delivery[], options: DeliveryOptions): Promise<DeliveryReport> {
  const report = emptyDeliveryReport();
  if (items.length === 0) return report;
  const result = await options.sink.upload(items.map((item) => item.row));
  const byId = new Map(items.map((item) => [item.id, item]));
  const now = (options.now ?? Date.now)();
  const random = options.random ?? Math.random;
  const failures: DeliveryFailure[] = result.failed.map(({ row, error }) => {
    const attempts = (byId.get(emissionIdOf(row))?.attempts ?? 0) + 1;
    if (!report.errors.includes(error)) report.errors.push(error);
    return { id: emissionIdOf(row), error, retryAt: now + backoffMs(attempts, options, random) };
  });
  const delivered = result.delivered.map(emissionIdOf);
  await Promise.all([
    delivered.length ? options.outbox.markDelivered(delivered) : undefined,
    failures.length ? options.outbox.markFailed(failures) : undefined,
  ]);
  report.delivered = delivered.length;
  report.failed = failures.length;
  return report;
}

/** Half jitter under an exponential ceiling: a crowd of rows that failed together does not return together. */
function backoffMs(attempts: number, options: DeliveryOptions, random: () => number): number {
  const base = options.retryDelayMs ?? 30_000;
  const ceiling = Math.min(options.maxRetryDelayMs ?? 60 * 60_000, base * 2 ** Math.min(attempts - 1, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function parsePending(pending: PendingEmission): Delivery {
  return { id: pending.id, row: JSON.parse(pending.row) as IncidentRow, attempts: pending.attempts };
}
