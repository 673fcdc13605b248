#!/usr/bin/env node
/**
 * `npm run replay -- [options] <input...>`: the replay driver. It only wires arguments, files and
 * terminals to runReplay; everything about detection lives in the pipeline.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { allDetections } from "../detections/index.js";
import { ConfigError, loadSettingsFile, resolveSettings } from "../pipeline/config/settings.js";
import { DeliveryQueue } from "../pipeline/deliver/deliveryQueue.js";
import { DEFAULT_STREAM, IngestionConfigError, LogsIngestionSink } from "../pipeline/deliver/logsIngestionSink.js";
import { InputError } from "../pipeline/replay/readInputs.js";
import { runReplay } from "../pipeline/replay/runReplay.js";
import { createStateStore, StateSpecError } from "../pipeline/state/createStateStore.js";
import type { StateStore } from "../pipeline/state/stateStore.js";
import { StateStoreError } from "../pipeline/state/stateStoreError.js";
import { TableStateStore } from "../pipeline/state/tableStateStore.js";
import { createProgress } from "./progress.js";
import { formatSummary, IncidentTally } from "./summary.js";

/** Exit codes, as documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, quarantined: 3 } as const;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

const program = new Command("replay")
  .description("Replay AKS audit logs through kubetrail's pipeline and print incident rows as JSON lines.")
  .argument("<input...>", "files or directories (recursively) of audit logs; '-' for stdin; .gz is read transparently")
  .option("--out <file>", "write incident rows (JSON lines) here instead of stdout")
  .option("--state <store>", "detection state: 'memory', a storage connection string (Azurite), or an https Table endpoint (DefaultAzureCredential)", "memory")
  .option("--config <file>", "detection settings (JSON); defaults apply when absent")
  .option("--batch-size <n>", "records per pipeline batch, as an Event Hub trigger delivers them", positiveInt, 100)
  .option("--partitions <n>", "concurrent pipeline instances sharing one state store", positiveInt, 1)
  .option("--quarantine <file>", "write malformed records with reasons (JSON lines) here")
  .option("--cluster <resourceId>", "AKS resource id for records that name none (raw kube-apiserver audit.log)")
  .option("--strict", `exit with ${EXIT.quarantined} when any record was quarantined`)
  .option("--to-log-analytics", "also send incident rows to Log Analytics through a data collection rule (DefaultAzureCredential, as the Function does)")
  .addOption(new Option("--ingestion-endpoint <url>", "the DCR's logsIngestion endpoint").env("KUBETRAIL_INGESTION_ENDPOINT"))
  .addOption(new Option("--dcr-id <id>", "the DCR's immutable id (dcr-…)").env("KUBETRAIL_DCR_ID"))
  .addOption(new Option("--stream <name>", "the DCR stream").env("KUBETRAIL_STREAM").default(DEFAULT_STREAM))
  .option("--delivery-patience <seconds>", "how long to keep retrying rows Log Analytics refused, after the input is read", positiveInt, 120)
  .addOption(new Option("--progress <mode>", "progress bar on stderr").choices(["auto", "always", "never"]).default("auto"))
  .option("-q, --quiet", "no progress and no summary")
  .addHelpText(
    "after",
    `\nExit codes: ${EXIT.ok} done; ${EXIT.failed} input, output or state failure; ${EXIT.usage} bad arguments or config; ${EXIT.quarantined} done, records quarantined (--strict).`,
  )
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

interface CliOptions {
  out?: string;
  state: string;
  config?: string;
  batchSize: number;
  partitions: number;
  quarantine?: string;
  cluster?: string;
  strict?: boolean;
  toLogAnalytics?: boolean;
  ingestionEndpoint?: string;
  dcrId?: string;
  stream: string;
  deliveryPatience: number;
  progress: "auto" | "always" | "never";
  quiet?: boolean;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    program.parse(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? EXIT.ok : EXIT.usage;
  }
  const options = program.opts<CliOptions>();
  const inputs = program.args;

  let settings: ReturnType<typeof resolveSettings>;
  try {
    settings = options.config ? await loadSettingsFile(allDetections, options.config) : resolveSettings(allDetections);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`replay: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }

  let store: StateStore;
  let delivery: DeliveryQueue | undefined;
  try {
    store = await createStateStore(options.state, { outbox: options.toLogAnalytics === true });
    if (options.toLogAnalytics) delivery = await logAnalyticsDelivery(options, store);
  } catch (error) {
    if (error instanceof IngestionConfigError) {
      process.stderr.write(`replay: --to-log-analytics: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof StateSpecError) {
      process.stderr.write(`replay: --state: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof StateStoreError) {
      process.stderr.write(`replay: --state: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }

  // Sent to Log Analytics, rows go to stdout only when asked for with --out.
  const out: NodeJS.WritableStream | undefined = options.out ? createWriteStream(options.out) : delivery ? undefined : process.stdout;
  const quarantineOut: WriteStream | undefined = options.quarantine ? createWriteStream(options.quarantine) : undefined;
  const showProgress = !options.quiet && options.progress !== "never" && (options.progress === "always" || process.stderr.isTTY === true);
  const progress = showProgress ? createProgress(process.stderr) : undefined;
  const tally = new IncidentTally();
  let quarantinedShown = 0;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  const started = performance.now();

  try {
    const result = await runReplay({
      inputs,
      store,
      settings,
      detections: allDetections,
      batchSize: options.batchSize,
      partitions: options.partitions,
      clusterResourceId: options.cluster,
      signal: abort.signal,
      onIncident: async (row) => {
        tally.add(row);
        await delivery?.add(row);
        if (out && !out.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      },
      onQuarantine: (entry) => {
        quarantineOut?.write(`${JSON.stringify(entry)}\n`);
        if (!options.quiet && quarantinedShown < 10) {
          quarantinedShown++;
          progress?.clear();
          process.stderr.write(`replay: quarantined ${entry.location}: ${entry.reason}\n`);
        }
      },
      onProgress: (p) => progress?.update(p),
    });
    const delivered = delivery ? await delivery.finish() : undefined;
    progress?.stop();
    if (!options.quiet) {
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(
        formatSummary({ stats: result.stats, files: result.files, seconds, tally, aborted: result.aborted, quarantineFile: options.quarantine }),
      );
      if (store instanceof TableStateStore) {
        const perThousand = result.stats.events ? (store.stats.requests * 1000) / result.stats.events : 0;
        process.stderr.write(`  table storage: ${store.stats.requests} requests (${perThousand.toFixed(1)} per 1,000 events)\n`);
      }
    }
    if (result.aborted) process.stderr.write("replay: stopped by Ctrl-C; the rows above are complete for the input read so far\n");
    if (delivered) {
      const where = store instanceof TableStateStore ? `they stay pending in table ${store.stateTable}` : "they were not delivered";
      if (!options.quiet || delivered.pending > 0) {
        process.stderr.write(`  log analytics: ${delivered.report.delivered} rows delivered to ${options.stream}\n`);
      }
      if (delivered.pending > 0) {
        process.stderr.write(`replay: ${delivered.pending} incident rows could not be delivered (${delivered.report.errors.join(" | ")}); ${where}\n`);
        return EXIT.failed;
      }
    }
    return options.strict && result.stats.quarantined > 0 ? EXIT.quarantined : EXIT.ok;
  } catch (error) {
    progress?.stop();
    if (error instanceof InputError || error instanceof StateStoreError) {
      process.stderr.write(`replay: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSigint);
    if (options.out && out) {
      (out as WriteStream).end();
      await finished(out as WriteStream);
    }
    if (quarantineOut) {
      quarantineOut.end();
      await finished(quarantineOut);
    }
  }
}

/** The sink and queue for --to-log-analytics, authenticated with DefaultAzureCredential as the Function is. */
async function logAnalyticsDelivery(options: CliOptions, store: StateStore): Promise<DeliveryQueue> {
  if (!options.ingestionEndpoint) throw new IngestionConfigError("needs --ingestion-endpoint (or KUBETRAIL_INGESTION_ENDPOINT)");
  if (!options.dcrId) throw new IngestionConfigError("needs --dcr-id (or KUBETRAIL_DCR_ID)");
  if (!store.outbox) throw new Error("the state store keeps no outbox");
  const { DefaultAzureCredential } = await import("@azure/identity");
  const sink = new LogsIngestionSink({
    endpoint: options.ingestionEndpoint,
    ruleId: options.dcrId,
    streamName: options.stream,
    credential: new DefaultAzureCredential(),
  });
  return new DeliveryQueue({ sink, outbox: store.outbox, patienceMs: options.deliveryPatience * 1000 });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`replay: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
