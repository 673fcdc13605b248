/**
 * A Function app's runtime as the host would build it from app settings, with its outside world local:
 * state in memory or Azurite, and the real Logs Ingestion client sending over HTTPS to a local ingestion
 * endpoint (test certificate, stub credential, quick retries).
 */
import type { TokenCredential } from "@azure/core-auth";
import { createRuntimeFromAppSettings, type Runtime } from "../../functions/runtime.js";
import { readAppSettings } from "../../functions/settings.js";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { IngestionServer } from "../support/ingestionServer.js";
import { testCertificate } from "../support/testCertificate.js";

export const RULE_ID = "dcr-0123456789abcdef0123456789abcdef";
export const STREAM = "Custom-KubetrailIncidents_CL";
export const stubCredential: TokenCredential = { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 }) };

export interface FunctionAppOptions {
  /** KUBETRAIL_STATE; default `memory`. */
  readonly state?: string;
  readonly clock?: () => Date;
  readonly env?: Readonly<Record<string, string>>;
  /** SDK retries per upload. Default 2. */
  readonly maxRetries?: number;
}

export interface TestFunctionApp {
  readonly runtime: Runtime;
  readonly server: IngestionServer;
  /** Rows the ingestion endpoint accepted, as sent. */
  received(): IncidentRow[];
  close(): Promise<void>;
}

export async function startFunctionApp(options: FunctionAppOptions = {}): Promise<TestFunctionApp> {
  const server = await IngestionServer.start({ ruleId: RULE_ID, streamName: STREAM });
  const { cert } = await testCertificate();
  const settings = readAppSettings({
    KUBETRAIL_STATE: options.state ?? "memory",
    KUBETRAIL_INGESTION_ENDPOINT: server.url,
    KUBETRAIL_DCR_ID: RULE_ID,
    ...options.env,
  });
  const runtime = await createRuntimeFromAppSettings(settings, {
    credential: stubCredential,
    clock: options.clock,
    sinkOptions: {
      ...(options.clock ? { clock: options.clock } : {}),
      clientOptions: { tlsOptions: { ca: cert }, retryOptions: { maxRetries: options.maxRetries ?? 2, retryDelayInMs: 2, maxRetryDelayInMs: 10 } },
    },
  });
  return {
    runtime,
    server,
    received: () => server.received as unknown as IncidentRow[],
    close: () => server.close(),
  };
}
