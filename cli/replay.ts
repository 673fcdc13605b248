#!/usr/bin/env node
/**
 * `npm run replay -- [options] <input...>`: the replay driver. It only wires arguments, files and
 * terminals to runReplay; everything about detection lives in the pipeline.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { Command, Option } from "commander";
import { allDetections } from "../detections/index.js";
import { ConfigError, loadSettingsFile, resolveSettings } from "../pipeline/config/settings.js";
import { DeliveryQueue } from "../pipeline/deliver/deliveryQueue.js";
import { EventHubTargetError } from "../pipeline/publish/eventHubTargetError.js";
import { DEFAULT_STREAM, IngestionConfigError, LogsIngestionSink } from "../pipeline/deliver/logsIngestionSink.js";
import { InputError, type InputPlan, planInputs } from "../pipeline/replay/inputPlan.js";
import { DEFAULT_REORDER_WINDOW_MS, type ReplayResult, runReplay } from "../pipeline/replay/runReplay.js";
import { createStateStore, StateSpecError } from "../pipeline/state/createStateStore.js";
import type { StateStore } from "../pipeline/state/stateStore.js";
import { StateStoreError } from "../pipeline/state/stateStoreError.js";
import { TableStateStore } from "../pipeline/state/tableStateStore.js";
import { createProgress } from "./progress.js";
import { defaultWorkers, duration, pointInTime, positiveInt, WORKERS_WORTH_IT_BYTES, wholeNumber } from "./replayArguments.js";
import { type EventHubReplaySummary, formatEventHubSummary, replayToEventHub } from "./replayToEventHub.js";
import { formatSummary, IncidentTally, type ReplaySummary, summarize } from "./summary.js";
import { addEventHubOptions, type EventHubCliOptions } from "./toEventHub.js";

/** Exit codes, as documented in the README. 130 is the shell's code for a process stopped by SIGINT. */
export const EXIT = { ok: 0, failed: 1, usage: 2, quarantined: 3, interrupted: 130 } as const;

const program = new Command("replay")
  .description("Replay AKS audit logs through kubetrail's pipeline and print incident rows as JSON lines.")
  .argument("<input...>", "files or directories (recursively) of audit logs; '-' for stdin; .gz is read transparently")
  .option("--out <file>", "write incident rows (JSON lines) here instead of stdout")
  .option("--state <store>", "detection state: 'memory', a storage connection string (Azurite), or an https Table endpoint (DefaultAzureCredential)", "memory")
  .option("--config <file>", "detection settings (JSON); defaults apply when absent")
  .option("--batch-size <n>", "audit events per pipeline batch, as an Event Hub trigger delivers them", positiveInt, 100)
  .option("--partitions <n>", "concurrent pipeline instances sharing one state store", positiveInt, 1)
  .option("--quarantine <file>", "write malformed records with reasons (JSON lines) here")
  .option("--from <time>", "only events at or after this time (2026-11-20, 2026-11-20T10:00Z; UTC unless a zone is given)", pointInTime)
  .option("--to <time>", "only events before this time", pointInTime)
  .addOption(
    new Option("--reorder-window <duration>", "how far out of order (event time) inputs may be and still be processed in order (30s, 5m, 1h)")
      .argParser(duration)
      .default(DEFAULT_REORDER_WINDOW_MS, "5m"),
  )
  .option(
    "--workers <n>",
    `threads that parse (1 or 0: the main thread); default ${defaultWorkers()} for inputs over ${WORKERS_WORTH_IT_BYTES >> 20} MiB, else 1`,
    wholeNumber,
  )
  .option("--json <file>", "write a machine-readable summary (JSON) here; '-' for stdout when the rows go elsewhere (--out or --to-log-analytics)")
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
    `\nExit codes: ${EXIT.ok} done; ${EXIT.failed} input, output or state failure; ${EXIT.usage} bad arguments or config; ${EXIT.quarantined} done, records quarantined (--strict); ${EXIT.interrupted} stopped by Ctrl-C (what was read is processed and written).`,
  )
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

addEventHubOptions(program);

interface CliOptions extends EventHubCliOptions {
  out?: string;
  state: string;
  config?: string;
  batchSize: number;
  partitions: number;
  quarantine?: string;
  from?: number;
  to?: number;
  reorderWindow: number;
  workers?: number;
  json?: string;
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
  if (!options.toEventhub && (options.rate !== undefined || options.speed !== undefined)) {
    process.stderr.write("replay: --rate and --speed pace publishing: they need --to-eventhub\n");
    return EXIT.usage;
  }

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

  let plan: InputPlan;
  try {
    plan = await planInputs(inputs, options);
  } catch (error) {
    if (error instanceof InputError) {
      process.stderr.write(`replay: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
  const workers = options.workers ?? (plan.bytes >= WORKERS_WORTH_IT_BYTES ? defaultWorkers() : 1);
  if (options.toEventhub) return eventHubMain(options, inputs, plan, workers);

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
  const rowsOnStdout = !options.out && !delivery;
  if (options.json === "-" && rowsOnStdout) {
    process.stderr.write("replay: --json -: stdout carries the incident rows; give --out FILE, or --json FILE\n");
    return EXIT.usage;
  }

  const out: NodeJS.WritableStream | undefined = options.out ? createWriteStream(options.out) : rowsOnStdout ? process.stdout : undefined;
  const quarantineOut: WriteStream | undefined = options.quarantine ? createWriteStream(options.quarantine) : undefined;
  const showProgress = !options.quiet && options.progress !== "never" && (options.progress === "always" || process.stderr.isTTY === true);
  const progress = showProgress ? createProgress(process.stderr, { always: options.progress === "always" }) : undefined;
  const tally = new IncidentTally();
  let quarantinedShown = 0;
  const stop = onInterrupt(() => {
    progress?.clear();
    process.stderr.write("replay: stopping: no more input is read; what was read is processed and written (Ctrl-C again to quit at once)\n");
  });
  const started = performance.now();

  try {
    const result = await runReplay({
      inputs,
      plan,
      store,
      settings,
      detections: allDetections,
      batchSize: options.batchSize,
      partitions: options.partitions,
      workers,
      reorderWindowMs: options.reorderWindow,
      from: options.from,
      to: options.to,
      clusterResourceId: options.cluster,
      signal: stop.signal,
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
    const summary = summarize(result, tally, (performance.now() - started) / 1000);
    if (!options.quiet) {
      process.stderr.write(formatSummary(summary, { reorderWindow: formatDuration(options.reorderWindow), quarantineFile: options.quarantine }));
      if (store instanceof TableStateStore) {
        const perThousand = result.stats.events ? (store.stats.requests * 1000) / result.stats.events : 0;
        process.stderr.write(`  table storage: ${store.stats.requests} requests (${perThousand.toFixed(1)} per 1,000 events)\n`);
      }
    }
    if (result.aborted) process.stderr.write(`${stoppedNote(result)}\n`);
    let code: number = result.aborted ? EXIT.interrupted : options.strict && result.stats.quarantined > 0 ? EXIT.quarantined : EXIT.ok;
    if (delivered) {
      const where = store instanceof TableStateStore ? `they stay pending in table ${store.stateTable}` : "they were not delivered";
      if (!options.quiet || delivered.pending > 0) {
        process.stderr.write(`  log analytics: ${delivered.report.delivered} rows delivered to ${options.stream}\n`);
      }
      if (delivered.pending > 0) {
        process.stderr.write(`replay: ${delivered.pending} incident rows could not be delivered (${delivered.report.errors.join(" | ")}); ${where}\n`);
        code = EXIT.failed;
      }
    }
    if (options.json) await writeJson(options.json, { ...summary, exitCode: code });
    return code;
  } catch (error) {
    progress?.stop();
    if (error instanceof InputError || error instanceof StateStoreError) {
      process.stderr.write(`replay: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    stop.dispose();
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

/** `--to-eventhub`: the input's messages, in event-time order, to a live hub instead of the pipeline. */
async function eventHubMain(options: CliOptions, inputs: readonly string[], plan: InputPlan, workers: number): Promise<number> {
  const refused = [options.out && "--out", options.toLogAnalytics && "--to-log-analytics", options.state !== "memory" && "--state"].filter(Boolean);
  if (refused.length) {
    process.stderr.write(`replay: --to-eventhub publishes the input instead of running the pipeline: drop ${refused.join(", ")}\n`);
    return EXIT.usage;
  }
  const showProgress = !options.quiet && options.progress !== "never" && (options.progress === "always" || process.stderr.isTTY === true);
  const progress = showProgress ? createProgress(process.stderr, { always: options.progress === "always" }) : undefined;
  let shown = 0;
  const report = (what: string, location: string, reason: string) => {
    if (options.quiet || shown >= 10) return;
    shown++;
    progress?.clear();
    process.stderr.write(`replay: ${what} ${location}: ${reason}\n`);
  };
  const stop = onInterrupt(() => {
    progress?.clear();
    process.stderr.write("replay: stopping: no more input is read; what was read is sent (Ctrl-C again to quit at once)\n");
  });
  try {
    const summary = await replayToEventHub({
      inputs,
      plan,
      options,
      workers,
      reorderWindowMs: options.reorderWindow,
      from: options.from,
      to: options.to,
      clusterResourceId: options.cluster,
      signal: stop.signal,
      progress,
      quarantineFile: options.quarantine,
      onQuarantine: (entry) => report("quarantined", entry.location, entry.reason),
      onSkip: (skipped) => report("not published", skipped.location, skipped.reason),
    });
    progress?.stop();
    if (!options.quiet) process.stderr.write(formatEventHubSummary(summary, formatDuration(options.reorderWindow)));
    const code = summary.status === "stopped" ? EXIT.interrupted : options.strict && summary.read.quarantined > 0 ? EXIT.quarantined : EXIT.ok;
    if (options.json) await writeJson(options.json, { ...summary, exitCode: code });
    return code;
  } catch (error) {
    progress?.stop();
    if (error instanceof EventHubTargetError || error instanceof InputError) {
      process.stderr.write(`replay: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    stop.dispose();
  }
}

/** First Ctrl-C: stop reading and finish cleanly. Second: quit at once. */
function onInterrupt(onFirst: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    onFirst();
    controller.abort();
  };
  process.on("SIGINT", handler);
  return { signal: controller.signal, dispose: () => process.off("SIGINT", handler) };
}

function stoppedNote(result: ReplayResult): string {
  const { read } = result;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const reached = Number.isFinite(read.lastEventTime) ? new Date(read.lastEventTime).toISOString() : "no event";
  return (
    `replay: stopped by Ctrl-C after opening ${read.filesOpened} of ${read.filesTotal} files (${mib(read.bytesRead)} of ${mib(read.bytesTotal)} read); ` +
    `events processed up to ${reached} (last file: ${read.currentFile || "-"}); the rows written are complete for what was read`
  );
}

async function writeJson(target: string, value: (ReplaySummary | EventHubReplaySummary) & { exitCode: number }): Promise<void> {
  const text = `${JSON.stringify(value)}\n`;
  if (target === "-") {
    process.stdout.write(text);
    return;
  }
  const file = createWriteStream(target);
  file.end(text);
  await finished(file);
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
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
