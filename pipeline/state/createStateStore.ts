/**
 * Maps the `--state` setting (CLI flag or app setting) to a store: `memory`, a connection string
 * (Azurite: `UseDevelopmentStorage=true` or a full `DefaultEndpointsProtocol=…` string) or an https Table
 * endpoint, reached with DefaultAzureCredential (managed identity in Azure). A Table store is opened
 * before it is returned, so a wrong setting fails at start and not in the middle of a replay.
 */
import { MemoryStateStore, type MemoryStateStoreOptions } from "./memoryStateStore.js";
import type { TableConnection } from "./tableConnection.js";
import { TableStateStore, type TableStoreSettings } from "./tableStateStore.js";

export class StateSpecError extends Error {
  override readonly name = "StateSpecError";
}

const CONNECTION_STRING = /(^|;)\s*(UseDevelopmentStorage|DefaultEndpointsProtocol|AccountName|TableEndpoint|SharedAccessSignature)\s*=/i;

/** `memory`, or how to reach the tables. */
export async function parseStateSpec(spec: string): Promise<"memory" | TableConnection> {
  const trimmed = spec.trim();
  if (trimmed === "memory") return "memory";
  if (/^https:\/\//i.test(trimmed)) {
    // Loaded only when asked for: the identity library is large and a replay in memory never needs it.
    const { DefaultAzureCredential } = await import("@azure/identity");
    return { endpoint: trimmed, credential: new DefaultAzureCredential() };
  }
  if (/^http:\/\//i.test(trimmed)) {
    throw new StateSpecError("a plain http:// Table endpoint cannot carry a token: use an https endpoint, or a connection string for Azurite");
  }
  if (CONNECTION_STRING.test(trimmed)) return { connectionString: trimmed };
  // The setting may be a mistyped connection string holding a key: never echo it.
  throw new StateSpecError("state must be 'memory', a storage connection string, or an https Table endpoint");
}

export async function createStateStore(
  spec: string | "memory" | TableConnection,
  settings: TableStoreSettings & MemoryStateStoreOptions = {},
): Promise<MemoryStateStore | TableStateStore> {
  const connection = typeof spec === "string" ? await parseStateSpec(spec) : spec;
  if (connection === "memory") return new MemoryStateStore(settings);
  const store = new TableStateStore({ ...settings, ...connection });
  await store.open();
  return store;
}
