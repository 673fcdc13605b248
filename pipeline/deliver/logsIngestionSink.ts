/**
 * Uploads incident rows to a data collection rule stream (Azure Monitor Logs Ingestion API) with the
 * SDK's `LogsIngestionClient`, and reports per row what was delivered and what failed, so the caller
 * (the outbox) re-queues exactly the failed rows. Upload failures are returned, never thrown: an Event
 * Hub trigger checkpoints even when a handler throws, so a throw would not bring anything back.
 */
import type { TokenCredential } from "@azure/identity";
import { isAggregateLogsUploadError, LogsIngestionClient, type LogsIngestionClientOptions } from "@azure/monitor-ingestion";
import type { IncidentRow } from "../incidents/incidentRow.js";

export interface IngestionTarget {
  /** Logs ingestion endpoint of the DCR (or its DCE), https. */
  readonly endpoint: string;
  /** The DCR's immutable id, "dcr-…". */
  readonly ruleId: string;
  /** The DCR stream, e.g. "Custom-KubetrailIncidents_CL". */
  readonly streamName: string;
}

export interface LogsIngestionSinkOptions extends IngestionTarget {
  /** DefaultAzureCredential in Azure; a stub in tests. */
  readonly credential: TokenCredential;
  readonly clientOptions?: LogsIngestionClientOptions;
  /** Concurrent chunk uploads (the SDK's default is 5). */
  readonly maxConcurrency?: number;
  /** Source of `TimeGenerated`, the emission (upload) time. */
  readonly clock?: () => Date;
}

export interface FailedRow {
  readonly row: IncidentRow;
  readonly error: string;
}

export interface UploadResult {
  readonly delivered: IncidentRow[];
  readonly failed: FailedRow[];
}

/** The stream of the incident table's data collection rule. */
export const DEFAULT_STREAM = "Custom-KubetrailIncidents_CL";

export class IngestionConfigError extends Error {
  override readonly name = "IngestionConfigError";
}

/**
 * The SDK sends records in chunks whose summed JSON size stays under 1,000,000 bytes and sends a
 * larger record alone; the service rejects any request over 1 MB. A row this big can never be delivered.
 */
export const MAX_ROW_BYTES = 1_000_000;
const MAX_ERROR_LENGTH = 300;

export class LogsIngestionSink {
  private readonly client: LogsIngestionClient;
  private readonly ruleId: string;
  private readonly streamName: string;
  private readonly maxConcurrency: number | undefined;
  private readonly clock: () => Date;

  constructor(options: LogsIngestionSinkOptions) {
    validateTarget(options);
    this.client = new LogsIngestionClient(options.endpoint, options.credential, options.clientOptions);
    this.ruleId = options.ruleId;
    this.streamName = options.streamName;
    this.maxConcurrency = options.maxConcurrency;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Uploads `rows` with `TimeGenerated` set to now; never throws for upload failures. */
  async upload(rows: readonly IncidentRow[], options: { abortSignal?: AbortSignal } = {}): Promise<UploadResult> {
    const timeGenerated = this.clock().toISOString();
    const failed: FailedRow[] = [];
    const failedInputs = new Set<IncidentRow>();
    const markFailed = (row: IncidentRow, error: string): void => {
      if (failedInputs.has(row)) return;
      failedInputs.add(row);
      failed.push({ row, error });
    };
    const toSend: IncidentRow[] = [];
    const inputByKey = new Map<string, IncidentRow[]>();
    for (const row of rows) {
      const copy: IncidentRow = { ...row, TimeGenerated: timeGenerated };
      const bytes = Buffer.byteLength(JSON.stringify(copy), "utf8");
      if (bytes >= MAX_ROW_BYTES) {
        markFailed(row, `row is ${bytes} bytes as JSON; a Logs Ingestion request is limited to 1 MB, so it was not sent`);
        continue;
      }
      toSend.push(copy);
      const key = rowKey(copy);
      inputByKey.set(key, [...(inputByKey.get(key) ?? []), row]);
    }
    if (toSend.length === 0) return { delivered: [], failed };

    try {
      await this.client.upload(this.ruleId, this.streamName, toSend, { maxConcurrency: this.maxConcurrency, abortSignal: options.abortSignal });
    } catch (error) {
      if (isAggregateLogsUploadError(error)) {
        for (const failure of error.errors) {
          const text = describeError(failure.cause);
          for (const log of failure.failedLogs) {
            // One input row per failed log, even when the input repeats an (IncidentId, Revision).
            const row = inputByKey.get(rowKey(log))?.find((candidate) => !failedInputs.has(candidate));
            if (row) markFailed(row, text);
          }
        }
      } else {
        const text = describeError(error);
        for (const rows of inputByKey.values()) for (const row of rows) markFailed(row, text);
      }
    }
    if (options.abortSignal?.aborted) {
      // After an abort the SDK stops scheduling chunks and reports only those in flight, so nothing
      // else is known to have arrived: report the rest failed too (a retry may duplicate, never lose).
      for (const rows of inputByKey.values()) for (const row of rows) markFailed(row, "upload aborted before delivery was confirmed");
    }
    return { delivered: rows.filter((row) => !failedInputs.has(row)), failed };
  }
}

function validateTarget(target: IngestionTarget): void {
  let url: URL;
  try {
    url = new URL(target.endpoint);
  } catch {
    throw new IngestionConfigError(`logs ingestion endpoint is not a URL: "${target.endpoint}"`);
  }
  if (url.protocol !== "https:") {
    throw new IngestionConfigError(`logs ingestion endpoint must be https (bearer tokens are only sent over TLS): "${target.endpoint}"`);
  }
  if (target.ruleId.trim() === "") throw new IngestionConfigError("logs ingestion ruleId (the DCR immutable id, dcr-…) is empty");
  if (target.streamName.trim() === "") throw new IngestionConfigError("logs ingestion streamName (e.g. Custom-KubetrailIncidents_CL) is empty");
}

function rowKey(row: Record<string, unknown>): string {
  return JSON.stringify([row.IncidentId, row.Revision]);
}

/** Status, code and message of an upload error; never headers, so never the bearer token. */
function describeError(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    const { statusCode, code } = error as Error & { statusCode?: unknown; code?: unknown };
    const status = typeof statusCode === "number" ? `HTTP ${statusCode} ` : "";
    const codeText = typeof code === "string" && code !== "" ? `${code}: ` : "";
    text = `${status}${codeText}${error.message || error.name}`;
  } else {
    text = String(error);
  }
  return text.replace(/Bearer\s+\S+/gi, "Bearer [redacted]").slice(0, MAX_ERROR_LENGTH);
}
