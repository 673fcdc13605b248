/**
 * The Function app's entry point (package.json "main"): registers the triggers and nothing else. The
 * hub name and consumer group are `%…%` app settings the host resolves; `EventHubConnection__*` settings
 * (fullyQualifiedNamespace, credential, clientId) make the connection use the managed identity.
 */
import { app } from "@azure/functions";
import { deliver } from "./deliver.js";
import { ingest } from "./ingest.js";
import { sweep } from "./sweep.js";
import { deliverTrigger, ingestTrigger, sweepTrigger } from "./triggers.js";

app.eventHub("ingest", { ...ingestTrigger, handler: ingest });
app.timer("deliver", { ...deliverTrigger, handler: deliver });
app.timer("sweep", { ...sweepTrigger, handler: sweep });
