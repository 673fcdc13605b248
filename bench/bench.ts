/**
 * `npm run bench`: the parse floor and the whole pipeline on the same input, for the kube-audit and
 * kube-audit-admin mixes of shared/research/performance.md §3. Per mix: warm up, then rounds in which
 * floor and pipeline take turns batch by batch until each has run at least --min-ms (see measure.ts);
 * the medians of the rounds are reported, and the ratio is the median of the rounds' ratios.
 * Then Table Storage transactions per 1,000 events for each mix, against an Azurite this run starts
 * (see tableTransactions.ts). Prints a table, then one JSON line with the numbers (always the last line
 * of stdout).
 *
 *   npm run bench -- [--messages 300] [--rounds 3] [--min-ms 1200] [--warmup-ms 3000] [--seed N]
 */
import { parseArgs } from "node:util";
import type { InputMessage } from "../pipeline/pipeline.js";
import { buildMix, type Mix, type MixName } from "../scripts/synthetic/benchMixes.js";
import { startAzurite } from "../test/support/azurite.js";
import { median, pairedRound } from "./measure.js";
import { countTableTransactions, type TransactionCount } from "./tableTransactions.js";

const BATCH_MESSAGES = 100;
const TARGET_RATIO = 0.8;
const TARGET_KUBE_AUDIT_EVENTS_PER_SEC = 40_000;
/** Records per pipeline batch for the transaction count: the replay default, smaller than a trigger batch. */
const TRANSACTION_BATCH_RECORDS = 100;
const TARGET_TRANSACTIONS_PER_1000 = 5;

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
    "min-ms": { type: "string", default: "1200" },
    "warmup-ms": { type: "string", default: "3000" },
    seed: { type: "string", default: "20250602" },
  },
});
const MESSAGES = positiveInt(args.messages, "messages");
const ROUNDS = positiveInt(args.rounds, "rounds");
const MIN_MS = positiveInt(args["min-ms"], "min-ms");
const WARMUP_MS = positiveInt(args["warmup-ms"], "warmup-ms");
const SEED = positiveInt(args.seed, "seed");

interface MixResult {
  readonly floorEventsPerSec: number;
  readonly pipelineEventsPerSec: number;
  readonly ratio: number;
  readonly floorRounds: number[];
  readonly pipelineRounds: number[];
  readonly ratioRounds: number[];
  readonly eventsPerPass: number;
  readonly selectedPerPass: number;
  readonly incidentsPerPass: number;
  readonly meanWireBytesPerRecord: number;
  readonly meanEventBytes: Mix["stats"]["meanEventBytes"];
  readonly inputMiB: number;
}

async function benchMix(name: MixName): Promise<MixResult> {
  const mix = buildMix(name, { messages: MESSAGES, seed: SEED });
  const inputs: InputMessage[] = mix.messages.map((body, i) => ({ body, location: { source: "eventhub", partition: "0", sequenceNumber: i } }));

  // Warm-up: let both paths reach optimized code before anything is timed.
  const { pass } = await pairedRound(mix.messages, inputs, BATCH_MESSAGES, WARMUP_MS);
  if (pass.events !== mix.stats.events || pass.quarantined !== 0) {
    throw new Error(`${name}: pipeline saw ${pass.events} events and quarantined ${pass.quarantined}; expected ${mix.stats.events} and 0`);
  }

  const floorRounds: number[] = [];
  const pipelineRounds: number[] = [];
  const ratioRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const r = await pairedRound(mix.messages, inputs, BATCH_MESSAGES, MIN_MS);
    floorRounds.push(r.floorEventsPerSec);
    pipelineRounds.push(r.pipelineEventsPerSec);
    ratioRounds.push(r.pipelineEventsPerSec / r.floorEventsPerSec);
  }
  const inputBytes = mix.messages.reduce((n, m) => n + m.length, 0);
  return {
    floorEventsPerSec: median(floorRounds),
    pipelineEventsPerSec: median(pipelineRounds),
    ratio: median(ratioRounds),
    floorRounds,
    pipelineRounds,
    ratioRounds,
    eventsPerPass: pass.events,
    selectedPerPass: pass.selected,
    incidentsPerPass: pass.incidents,
    meanWireBytesPerRecord: mix.stats.meanWireBytesPerRecord,
    meanEventBytes: mix.stats.meanEventBytes,
    inputMiB: inputBytes / 2 ** 20,
  };
}

function positiveInt(text: string | undefined, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return n;
}

const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
}

async function main(): Promise<void> {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  out(
    `kubetrail bench — node ${process.version}, ${MESSAGES} messages × 100 records per mix, ` +
      `${ROUNDS} rounds of ≥ ${MIN_MS} ms per side (floor and pipeline alternating by batch of ${BATCH_MESSAGES} messages), median`,
  );
  const results: Record<MixName, MixResult> = {} as Record<MixName, MixResult>;
  for (const name of ["kube-audit", "kube-audit-admin"] as const) {
    results[name] = await benchMix(name);
    // Let the previous mix's input go before the next is built, so peak RSS is one mix's worth.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;

  const transactions: Record<MixName, TransactionCount> = {} as Record<MixName, TransactionCount>;
  const azurite = await startAzurite();
  try {
    for (const name of ["kube-audit", "kube-audit-admin"] as const) {
      const mix = buildMix(name, { messages: MESSAGES, seed: SEED });
      transactions[name] = await countTableTransactions(
        azurite.connectionString,
        `bench${name.replaceAll("-", "")}${Date.now()}`,
        mix.messages,
        TRANSACTION_BATCH_RECORDS,
      );
    }
  } finally {
    await azurite.stop();
  }

  const widths = [17, 12, 12, 7, 20, 15, 9];
  out();
  out(row(["mix", "floor ev/s", "pipeline ev/s", "ratio", "event bytes s/m/l", "wire B/record", "input MiB"], widths));
  for (const [name, r] of Object.entries(results)) {
    const sizes = `${r.meanEventBytes.small}/${r.meanEventBytes.medium}/${r.meanEventBytes.large}`;
    out(
      row(
        [name, k(r.floorEventsPerSec), k(r.pipelineEventsPerSec), r.ratio.toFixed(3), sizes, String(r.meanWireBytesPerRecord), r.inputMiB.toFixed(1)],
        widths,
      ),
    );
  }
  out();
  for (const [name, r] of Object.entries(results)) {
    out(
      `${name}: rounds floor [${r.floorRounds.map(k).join(", ")}] pipeline [${r.pipelineRounds.map(k).join(", ")}] ` +
        `ratio [${r.ratioRounds.map((x) => x.toFixed(3)).join(", ")}]; ` +
        `per pass ${r.eventsPerPass} events, ${r.selectedPerPass} selected, ${r.incidentsPerPass} incidents`,
    );
  }
  const ka = results["kube-audit"];
  const kaa = results["kube-audit-admin"];
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  out(
    `targets: ratio ≥ ${TARGET_RATIO} kube-audit ${verdict(ka.ratio >= TARGET_RATIO)}, kube-audit-admin ${verdict(kaa.ratio >= TARGET_RATIO)}; ` +
      `kube-audit ≥ ${k(TARGET_KUBE_AUDIT_EVENTS_PER_SEC)} ev/s per core ${verdict(ka.pipelineEventsPerSec >= TARGET_KUBE_AUDIT_EVENTS_PER_SEC)}`,
  );
  out();
  out(`Table Storage transactions (Azurite, batches of ${TRANSACTION_BATCH_RECORDS} records, outbox delivery included):`);
  for (const [name, t] of Object.entries(transactions)) {
    const parts = Object.entries(t.breakdown)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(", ");
    out(
      `  ${name}: ${t.requests} requests for ${t.events} events (${t.selected} selected, ${t.incidents} incidents) = ${t.perThousandEvents.toFixed(2)} per 1,000 events; ${parts}`,
    );
  }
  out(
    `target: ≤ ${TARGET_TRANSACTIONS_PER_1000} per 1,000 events on kube-audit ${verdict(transactions["kube-audit"].perThousandEvents <= TARGET_TRANSACTIONS_PER_1000)}`,
  );
  out(
    `peak RSS ${peakRssMiB.toFixed(0)} MiB, of which ${startRssMiB.toFixed(0)} MiB before any input was built (node + tsx); ` +
      `it includes the input messages held in memory (input MiB above) and garbage not yet collected`,
  );
  const summary = (r: MixResult) => ({
    floorEventsPerSec: round(r.floorEventsPerSec),
    pipelineEventsPerSec: round(r.pipelineEventsPerSec),
    ratio: round(r.ratio, 3),
  });
  const perThousand = (name: MixName) => round(transactions[name].perThousandEvents, 2);
  out(
    JSON.stringify({
      kubeAudit: { ...summary(ka), tableTransactionsPer1000Events: perThousand("kube-audit") },
      kubeAuditAdmin: { ...summary(kaa), tableTransactionsPer1000Events: perThousand("kube-audit-admin") },
      peakRssMiB: round(peakRssMiB, 1),
      node: process.version,
    }),
  );
}

await main();
