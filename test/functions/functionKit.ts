/**
 * A Function app's runtime as the host would build it from app settings, with its outside world local:
 * state in memory or Azurite, and the real Logs Ingestion client sending over HTTPS to a local ingestion
 * endpoint (test certificate, stub credential, quick retries).
 */
import type { TokenCredential } from "@azure/core-auth";
import { createRuntimeFromAppSettings, type Runtime } from "../../functions/runtime.js";
import { readAppSettings } from "../../functions/settings.js";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import type { TableStoreSettings } from "../../pipeline/state/tableStateStore.js";
import { IngestionServer } from "../support/ingestionServer.js";
import { testCertificate } from "../support/testCertificate.js";

export const RULE_ID = "dcr-0123456789abcdef0123456789abcdef";
export const STREAM = "Custom-KubetrailIncidents_CL";
export const stubCredential: TokenCredential = { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 }) };

/** Table store settings the app settings cannot express, plus the quarantine table's name. */
export interface TableOptions extends Pick<TableStoreSettings, "stateTable" | "retry" | "random"> {
  /** Default `kubetrailquarantine`. */
  readonly quarantineTable?: string;
}

export interface FunctionAppOptions {
  /** KUBETRAIL_STATE; default `memory`. */
  readonly state?: string;
  readonly clock?: () => Date;
  readonly env?: Readonly<Record<string, string>>;
  /** SDK retries per upload. Default 2. */
  readonly maxRetries?: number;
  /**
   * With a connection string as `state`: the state table's name and retries, and the quarantine table's
   * name. `createRuntimeFromAppSettings` takes no such settings, so the runtime is then put together here
   * from the same pieces it uses (the sink it builds; the store, pipelines and quarantine made alike).
   */
  readonly tables?: TableOptions;
  /** Upload to this endpoint instead of a new one (several processes, one workspace); `close` leaves it open. */
  readonly server?: IngestionServer;
}

export interface TestFunctionApp {
  readonly runtime: Runtime;
  readonly server: IngestionServer;
  /** Rows the ingestion endpoint accepted, as sent. */
  received(): IncidentRow[];
  close(): Promise<void>;
}

export async function startFunctionApp(options: FunctionAppOptions = {}): Promise<TestFunctionApp> {
  const ownServer = options.server === undefined;
  const server = options.server ?? (await IngestionServer.start({ ruleId: RULE_ID, streamName: STREAM }));
  const { cert } = await testCertificate();
  const settings = readAppSettings({
    KUBETRAIL_STATE: options.state ?? "memory",
    KUBETRAIL_INGESTION_ENDPOINT: server.url,
    KUBETRAIL_DCR_ID: RULE_ID,
    ...options.env,
  });
  const overrides = {
    credential: stubCredential,
    clock: options.clock,
    sinkOptions: {
      ...(options.clock ? { clock: options.clock } : {}),
      clientOptions: { tlsOptions: { ca: cert }, retryOptions: { maxRetries: options.maxRetries ?? 2, retryDelayInMs: 2, maxRetryDelayInMs: 10 } },
    },
  };
  const tables = options.tables;
  const runtime = await createRuntimeFromAppSettings(settings, {
    ...overrides,
    ...(tables
      ? {
          storeSettings: { stateTable: tables.stateTable, retry: tables.retry, random: tables.random },
          quarantine: { table: tables.quarantineTable, retry: tables.retry },
        }
      : {}),
  });
  return {
    runtime,
    server,
    received: () => server.received as unknown as IncidentRow[],
    close: () => (ownServer ? server.close() : Promise.resolve()),
  };
}
