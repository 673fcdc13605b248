/**
 * Maps the `--state` setting (CLI flag or app setting) to a store: `memory`, a connection string
 * (Azurite: `UseDevelopmentStorage=true` or a full `DefaultEndpointsProtocol=…` string) or an https Table
 * endpoint, reached with DefaultAzureCredential (managed identity in Azure). A Table store is opened
 * before it is returned, so a wrong setting fails at start and not in the middle of a replay.
 */
import { MemoryStateStore } from "./memoryStateStore.js";
import { TableStateStore, type TableStoreSettings } from "./tableStateStore.js";

export class StateSpecError extends Error {
  override readonly name = "StateSpecError";
}

const CONNECTION_STRING = /(^|;)\s*(UseDevelopmentStorage|DefaultEndpointsProtocol|AccountName|TableEndpoint|SharedAccessSignature)\s*=/i;

export async function createStateStore(spec: string, settings: TableStoreSettings = {}): Promise<MemoryStateStore | TableStateStore> {
  const trimmed = spec.trim();
  if (trimmed === "memory") return new MemoryStateStore();
  let store: TableStateStore;
  if (/^https:\/\//i.test(trimmed)) {
    // Loaded only when asked for: the identity library is large and a replay in memory never needs it.
    const { DefaultAzureCredential } = await import("@azure/identity");
    store = new TableStateStore({ ...settings, endpoint: trimmed, credential: new DefaultAzureCredential() });
  } else if (/^http:\/\//i.test(trimmed)) {
    throw new StateSpecError("a plain http:// Table endpoint cannot carry a token: use an https endpoint, or a connection string for Azurite");
  } else if (CONNECTION_STRING.test(trimmed)) {
    store = new TableStateStore({ ...settings, connectionString: trimmed });
  } else {
    // The setting may be a mistyped connection string holding a key: never echo it.
    throw new StateSpecError("state must be 'memory', a storage connection string, or an https Table endpoint");
  }
  await store.open();
  return store;
}
