/**
 * Stands in for the replay CLI's wiring of --to-eventhub in a child process (which is where
 * NODE_EXTRA_CA_CERTS and the managed-identity environment take effect): reads one JSON-lines file and hands
 * its lines to runToEventHub, printing the result as JSON on stdout, or the error on stderr with exit 1.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { addEventHubOptions, type EventHubCliOptions, runToEventHub } from "../../cli/toEventHub.js";
import type { InputMessage } from "../../pipeline/pipeline.js";

const program = addEventHubOptions(new Command("publish").argument("<file>").option("--cluster <resourceId>"));
program.parse(process.argv);
const options = program.opts<EventHubCliOptions & { cluster?: string }>();
const file = program.args[0] as string;

function* messages(): Generator<InputMessage> {
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) if ((lines[i] as string).trim() !== "") yield { body: lines[i], location: { source: file, line: i + 1 } };
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

const abort = new AbortController();
process.once("SIGINT", () => abort.abort());
runToEventHub(options, asAsync(messages()), { signal: abort.signal, clusterResourceId: options.cluster }).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  },
);
