/**
 * Quarantined records in a table of their own (`kubetrailquarantine`), so an operator can find what the
 * pipeline could not use: PartitionKey the day it was quarantined, RowKey the escaped source location
 * (partition and sequence number), so a redelivered batch overwrites its own entries instead of adding
 * more. The excerpt is the pipeline's, already cut before anything that may hold a secret.
 */
import type { TableClient } from "@azure/data-tables";
import type { QuarantineEntry } from "../decode/quarantine.js";
import { mapLimit } from "./concurrency.js";
import { classify, type ResolvedRetry, resolveRetry, type RetrySettings } from "./retry.js";
import { StateStoreError } from "./stateStoreError.js";
import { type TableConnection, tableClient } from "./tableConnection.js";
import { rowKeyOf } from "./tableKeys.js";

export interface QuarantineSink {
  put(entries: readonly QuarantineEntry[], now: Date): Promise<void>;
}

export type TableQuarantineOptions = TableConnection & { readonly table?: string; readonly retry?: RetrySettings };

/** Property values hold 32K UTF-16 units; an excerpt is far shorter, a reason could in principle not be. */
const MAX_TEXT = 8_000;

export class TableQuarantine implements QuarantineSink {
  readonly table: string;
  private readonly client: TableClient;
  private readonly retry: ResolvedRetry;
  private created: Promise<unknown> | undefined;

  constructor(options: TableQuarantineOptions) {
    this.table = options.table ?? "kubetrailquarantine";
    this.retry = resolveRetry(options.retry);
    this.client = tableClient(options, this.table, this.retry, () => {});
  }

  async put(entries: readonly QuarantineEntry[], now: Date): Promise<void> {
    if (entries.length === 0) return;
    try {
      this.created ??= this.client.createTable().catch((error: unknown) => {
        this.created = undefined;
        throw error;
      });
      await this.created;
      const day = now.toISOString().slice(0, 10);
      await mapLimit(entries, 8, (entry) =>
        // Insert-or-replace by location: the idempotent write for a record seen again on redelivery.
        this.client.upsertEntity(
          {
            partitionKey: day,
            rowKey: rowKeyOf(entry.location),
            location: entry.location,
            reason: entry.reason.slice(0, MAX_TEXT),
            excerpt: entry.excerpt.slice(0, MAX_TEXT),
            auditId: entry.auditId ?? "",
          },
          "Replace",
        ),
      );
    } catch (error) {
      throw new StateStoreError({
        operation: "quarantine",
        keyCount: entries.length,
        table: this.table,
        reason: classify(error) === "transient" ? "unavailable" : "failed",
        cause: error,
      });
    }
  }
}
