/**
 * The Event Hub trigger's handler: message bodies and trigger metadata in, the shared pipeline run, its
 * results logged. Nothing about detection lives here.
 *
 * Bad records never make it throw: the Event Hub trigger checkpoints past a batch even when the handler
 * fails, so a throw would lose nothing less and only hide the problem; they are quarantined and logged.
 * Only a failure of the pipeline itself (config, state store) propagates, to fail the invocation visibly.
 */
import { resolve } from "node:path";
import type { InvocationContext } from "@azure/functions";
import { coreDetections } from "../detections/index.js";
import { ConfigError, loadSettingsFile, resolveSettings } from "../pipeline/config/settings.js";
import { PartitionedPipelines } from "../pipeline/partitionedPipelines.js";
import { eventHubBatch } from "./eventHubBatch.js";
import { logBatchResult } from "./logBatchResult.js";
import { type AppSettings, readAppSettings } from "./settings.js";

export type IngestHandler = (messages: unknown[], context: InvocationContext) => Promise<void>;

export interface IngestHandlerOptions {
  /**
   * The pipelines to run, one per partition this process holds, or how to build them on the first
   * invocation (so that importing does no work).
   */
  readonly pipelines: PartitionedPipelines | (() => Promise<PartitionedPipelines>);
}

/** Batches whose trigger metadata names no partition share one instance. */
const UNKNOWN_PARTITION = "unknown";

export function createIngestHandler(options: IngestHandlerOptions): IngestHandler {
  const pipelines = once(options.pipelines);
  return async (messages, context) => {
    const started = performance.now();
    // With cardinality "many" the host always passes an array; a single body means the binding was changed.
    const bodies: readonly unknown[] = Array.isArray(messages) ? messages : messages === undefined ? [] : [messages];
    const batch = eventHubBatch(bodies, context.triggerMetadata);
    if (batch.metadataProblems.length > 0) {
      context.warn(`trigger metadata incomplete, quarantine locations will be less precise: ${batch.metadataProblems.join("; ")}`);
    }
    const group = await pipelines();
    // One instance per partition: the host runs partitions concurrently, and each keeps its own watermark.
    const result = await group.for(batch.partition ?? UNKNOWN_PARTITION).processMessages(batch.messages);
    await group.sweepIfDue();
    logBatchResult({ context, batch, result, elapsedMs: performance.now() - started });
  };
}

/**
 * The pipelines this process runs: built from the app settings on first use. Detection state stays in
 * memory for now, shared by every partition this instance holds.
 */
export async function createPipelineFromAppSettings(settings: AppSettings = readAppSettings()): Promise<PartitionedPipelines> {
  const configFile = settings.KUBETRAIL_CONFIG_FILE;
  if (configFile === undefined) return new PartitionedPipelines({ detections: coreDetections, settings: resolveSettings(coreDetections) });
  // loadSettingsFile names the file and the field; the setting's name tells where that file came from.
  const path = resolve(configFile);
  try {
    return new PartitionedPipelines({ detections: coreDetections, settings: await loadSettingsFile(coreDetections, path) });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`app setting KUBETRAIL_CONFIG_FILE: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The handler the Function app registers: one pipeline per process, built lazily. */
export const ingest: IngestHandler = createIngestHandler({ pipelines: () => createPipelineFromAppSettings() });

/**
 * Resolves the pipelines once and shares them. A failed build is forgotten, so the next invocation tries
 * again instead of failing forever on a cached rejection (a config fix usually restarts the app anyway).
 */
function once(source: PartitionedPipelines | (() => Promise<PartitionedPipelines>)): () => Promise<PartitionedPipelines> {
  if (source instanceof PartitionedPipelines) {
    const ready = Promise.resolve(source);
    return () => ready;
  }
  let building: Promise<PartitionedPipelines> | undefined;
  return () => {
    building ??= source().catch((error: unknown) => {
      building = undefined;
      throw error;
    });
    return building;
  };
}
