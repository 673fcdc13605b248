/**
 * What the Function's handlers share in one process, built from the app settings on first use (so that
 * importing does no work): the pipelines (one per Event Hub partition this process holds), the state
 * store that is also the incident outbox, the Log Analytics sink and the quarantine table.
 */
import { resolve } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import { allDetections } from "../detections/index.js";
import { ConfigError, loadSettingsFile, type ResolvedSettings, resolveSettings } from "../pipeline/config/settings.js";
import type { IncidentSink } from "../pipeline/deliver/deliverIncidents.js";
import { LogsIngestionSink } from "../pipeline/deliver/logsIngestionSink.js";
import { PartitionedPipelines } from "../pipeline/partitionedPipelines.js";
import { createStateStore, parseStateSpec } from "../pipeline/state/createStateStore.js";
import type { IncidentOutbox } from "../pipeline/state/incidentOutbox.js";
import type { RetrySettings } from "../pipeline/state/retry.js";
import type { StateStore } from "../pipeline/state/stateStore.js";
import { type QuarantineSink, TableQuarantine } from "../pipeline/state/tableQuarantine.js";
import type { TableStoreSettings } from "../pipeline/state/tableStateStore.js";
import { type AppSettings, readAppSettings } from "./settings.js";

export interface Runtime {
  readonly pipelines: PartitionedPipelines;
  readonly store: StateStore;
  readonly outbox: IncidentOutbox;
  readonly sink: IncidentSink;
  /** Undefined with `memory` state: quarantined records are then only logged. */
  readonly quarantine?: QuarantineSink;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
}

/** A runtime, or how to build it on the first invocation. */
export type RuntimeSource = Runtime | (() => Promise<Runtime>);

export interface RuntimeOverrides {
  /** Tests pass a stub credential and TLS options for the local ingestion endpoint. */
  readonly credential?: TokenCredential;
  readonly sinkOptions?: Partial<ConstructorParameters<typeof LogsIngestionSink>[0]>;
  /** Table names, retries, caches of the state store. */
  readonly storeSettings?: TableStoreSettings;
  readonly quarantine?: { readonly table?: string; readonly retry?: RetrySettings };
  readonly clock?: () => Date;
}

export async function createRuntimeFromAppSettings(settings: AppSettings = readAppSettings(), overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const detectionSettings = await detectionSettingsOf(settings);
  const connection = await parseStateSpec(settings.KUBETRAIL_STATE);
  const now = overrides.clock ? () => (overrides.clock as () => Date)().getTime() : Date.now;
  const store = await createStateStore(connection, { ...overrides.storeSettings, outbox: true, now });
  const outbox = store.outbox;
  if (!outbox) throw new Error("the state store keeps no outbox");
  const credential = overrides.credential ?? new (await import("@azure/identity")).DefaultAzureCredential();
  const sink = new LogsIngestionSink({
    endpoint: settings.KUBETRAIL_INGESTION_ENDPOINT,
    ruleId: settings.KUBETRAIL_DCR_ID,
    streamName: settings.KUBETRAIL_STREAM,
    credential,
    ...overrides.sinkOptions,
  });
  return {
    pipelines: new PartitionedPipelines({ detections: allDetections, settings: detectionSettings, store, clock: overrides.clock }),
    store,
    outbox,
    sink,
    quarantine: connection === "memory" ? undefined : new TableQuarantine({ ...connection, ...overrides.quarantine }),
    now,
  };
}

async function detectionSettingsOf(settings: AppSettings): Promise<ResolvedSettings> {
  const configFile = settings.KUBETRAIL_CONFIG_FILE;
  if (configFile === undefined) return resolveSettings(allDetections);
  // loadSettingsFile names the file and the field; the setting's name tells where that file came from.
  try {
    return await loadSettingsFile(allDetections, resolve(configFile));
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`app setting KUBETRAIL_CONFIG_FILE: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Resolves a runtime once and shares it. A failed build is forgotten, so the next invocation tries again
 * instead of failing forever on a cached rejection (a settings fix usually restarts the app anyway).
 */
export function once(source: RuntimeSource): () => Promise<Runtime> {
  if (typeof source !== "function") {
    const ready = Promise.resolve(source);
    return () => ready;
  }
  let building: Promise<Runtime> | undefined;
  return () => {
    building ??= source().catch((error: unknown) => {
      building = undefined;
      throw error;
    });
    return building;
  };
}

/** The runtime the registered handlers share: one per process. */
export const sharedRuntime = once(() => createRuntimeFromAppSettings());
