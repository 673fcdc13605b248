/**
 * The Function app's entry point (package.json "main"): registers the triggers and nothing else. The
 * hub name and consumer group are `%…%` app settings the host resolves; `EventHubConnection__*` settings
 * (fullyQualifiedNamespace, credential, clientId) make the connection use the managed identity.
 */
import { app } from "@azure/functions";
import { ingest } from "./ingest.js";

app.eventHub("ingest", {
  connection: "EventHubConnection",
  eventHubName: "%EVENTHUB_NAME%",
  consumerGroup: "%EVENTHUB_CONSUMER_GROUP%",
  cardinality: "many",
  handler: ingest,
});
