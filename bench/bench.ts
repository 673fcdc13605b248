/**
 * `npm run bench`: the parse floor and the whole pipeline on the same input, for the kube-audit and
 * kube-audit-admin mixes of shared/research/performance.md §3. Per mix: warm up, then rounds in which
 * floor and pipeline take turns batch by batch until each has run at least --min-ms (see measure.ts);
 * the medians of the rounds are reported, and the ratio is the median of the rounds' ratios.
 * Then Table Storage transactions per 1,000 events for each mix, against an Azurite this run starts
 * (see tableTransactions.ts), and replay throughput from .gz files with one thread and two parse workers
 * (see replayBench.ts). Prints a table, then one JSON line with the numbers (always the last line
 * of stdout).
 *
 *   npm run bench -- [--messages 300] [--rounds 3] [--min-ms 1200] [--warmup-ms 3000] [--seed N]
 */
import { parseArgs } from "node:util";
import { allDetections, coreDetections } from "../detections/index.js";
import type { InputMessage } from "../pipeline/pipeline.js";
import { buildMix, type Mix, type MixName } from "../scripts/synthetic/benchMixes.js";
import { startAzurite } from "../test/support/azurite.js";
import { median, type PassResult, pairedRound } from "./measure.js";
import { benchReplay, formatReplayBench } from "./replayBench.js";
import { countTableTransactions, type TransactionCount } from "./tableTransactions.js";

const BATCH_MESSAGES = 100;
const TARGET_RATIO = 0.8;
/** The full catalogue may cost at most 10% more than the four core detections (issue #7). */
const TARGET_CATALOGUE_VS_CORE = 0.9;
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

/** The detection sets compared: the four DESIGN.md names, and everything that ships. */
const DETECTION_SETS = [
  { name: "core", detections: coreDetections },
  { name: "catalogue", detections: allDetections },
] as const;

interface SideResult {
  readonly pipelineEventsPerSec: number;
  readonly ratio: number;
  readonly pipelineRounds: number[];
  readonly ratioRounds: number[];
  readonly selectedPerPass: number;
  readonly incidentsPerPass: number;
}

interface MixResult {
  readonly floorEventsPerSec: number;
  readonly floorRounds: number[];
  readonly core: SideResult;
  readonly catalogue: SideResult;
  /** The catalogue's ratio over the core's, per round, median: what loading every detection costs. */
  readonly catalogueVsCore: number;
  readonly eventsPerPass: number;
  readonly meanWireBytesPerRecord: number;
  readonly meanEventBytes: Mix["stats"]["meanEventBytes"];
  readonly inputMiB: number;
}

async function benchMix(name: MixName): Promise<MixResult> {
  const mix = buildMix(name, { messages: MESSAGES, seed: SEED });
  const inputs: InputMessage[] = mix.messages.map((body, i) => ({ body, location: { source: "eventhub", partition: "0", sequenceNumber: i } }));
  const sets = DETECTION_SETS.map((set) => set.detections);

  // Warm-up: let every path reach optimized code before anything is timed.
  const { pass } = await pairedRound(mix.messages, inputs, BATCH_MESSAGES, WARMUP_MS, sets);
  for (const p of pass) {
    if (p.events !== mix.stats.events || p.quarantined !== 0) {
      throw new Error(`${name}: pipeline saw ${p.events} events and quarantined ${p.quarantined}; expected ${mix.stats.events} and 0`);
    }
  }

  const floorRounds: number[] = [];
  const pipelineRounds: number[][] = sets.map(() => []);
  const ratioRounds: number[][] = sets.map(() => []);
  const vsCoreRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const r = await pairedRound(mix.messages, inputs, BATCH_MESSAGES, MIN_MS, sets);
    floorRounds.push(r.floorEventsPerSec);
    r.pipelineEventsPerSec.forEach((eps, i) => {
      pipelineRounds[i]?.push(eps);
      ratioRounds[i]?.push(eps / r.floorEventsPerSec);
    });
    vsCoreRounds.push((r.pipelineEventsPerSec[1] as number) / (r.pipelineEventsPerSec[0] as number));
  }
  const side = (i: number): SideResult => ({
    pipelineEventsPerSec: median(pipelineRounds[i] as number[]),
    ratio: median(ratioRounds[i] as number[]),
    pipelineRounds: pipelineRounds[i] as number[],
    ratioRounds: ratioRounds[i] as number[],
    selectedPerPass: (pass[i] as PassResult).selected,
    incidentsPerPass: (pass[i] as PassResult).incidents,
  });
  const inputBytes = mix.messages.reduce((n, m) => n + m.length, 0);
  return {
    floorEventsPerSec: median(floorRounds),
    floorRounds,
    core: side(0),
    catalogue: side(1),
    catalogueVsCore: median(vsCoreRounds),
    eventsPerPass: (pass[0] as PassResult).events,
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

  const widths = [17, 11, 10, 6, 10, 6, 8, 18, 8, 7];
  out();
  out(row(["mix", "floor ev/s", "core ev/s", "ratio", "all ev/s", "ratio", "all/core", "event bytes s/m/l", "B/record", "in MiB"], widths));
  for (const [name, r] of Object.entries(results)) {
    const sizes = `${r.meanEventBytes.small}/${r.meanEventBytes.medium}/${r.meanEventBytes.large}`;
    out(
      row(
        [
          name,
          k(r.floorEventsPerSec),
          k(r.core.pipelineEventsPerSec),
          r.core.ratio.toFixed(3),
          k(r.catalogue.pipelineEventsPerSec),
          r.catalogue.ratio.toFixed(3),
          r.catalogueVsCore.toFixed(3),
          sizes,
          String(r.meanWireBytesPerRecord),
          r.inputMiB.toFixed(1),
        ],
        widths,
      ),
    );
  }
  out(`core = the ${coreDetections.length} detections DESIGN.md names; all = the catalogue of ${allDetections.length} detections`);
  out();
  for (const [name, r] of Object.entries(results)) {
    out(
      `${name}: rounds floor [${r.floorRounds.map(k).join(", ")}] core [${r.core.pipelineRounds.map(k).join(", ")}] ` +
        `all [${r.catalogue.pipelineRounds.map(k).join(", ")}]; per pass ${r.eventsPerPass} events, ` +
        `selected ${r.core.selectedPerPass} (core) / ${r.catalogue.selectedPerPass} (all), ` +
        `incidents ${r.core.incidentsPerPass} / ${r.catalogue.incidentsPerPass}`,
    );
  }
  const ka = results["kube-audit"];
  const kaa = results["kube-audit-admin"];
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  out(
    `targets: ratio ≥ ${TARGET_RATIO} with the catalogue kube-audit ${verdict(ka.catalogue.ratio >= TARGET_RATIO)}, kube-audit-admin ${verdict(kaa.catalogue.ratio >= TARGET_RATIO)}; ` +
      `catalogue within 10% of core (all/core ≥ ${TARGET_CATALOGUE_VS_CORE}) kube-audit ${verdict(ka.catalogueVsCore >= TARGET_CATALOGUE_VS_CORE)}, ` +
      `kube-audit-admin ${verdict(kaa.catalogueVsCore >= TARGET_CATALOGUE_VS_CORE)}; ` +
      `kube-audit ≥ ${k(TARGET_KUBE_AUDIT_EVENTS_PER_SEC)} ev/s per core ${verdict(ka.catalogue.pipelineEventsPerSec >= TARGET_KUBE_AUDIT_EVENTS_PER_SEC)}`,
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
  const replay = await benchReplay({ seed: SEED });
  out();
  for (const line of formatReplayBench(replay)) out(line);
  const summary = (r: MixResult) => ({
    floorEventsPerSec: round(r.floorEventsPerSec),
    pipelineEventsPerSec: round(r.catalogue.pipelineEventsPerSec),
    ratio: round(r.catalogue.ratio, 3),
    coreRatio: round(r.core.ratio, 3),
    catalogueVsCore: round(r.catalogueVsCore, 3),
  });
  const perThousand = (name: MixName) => round(transactions[name].perThousandEvents, 2);
  out(
    JSON.stringify({
      kubeAudit: { ...summary(ka), tableTransactionsPer1000Events: perThousand("kube-audit") },
      kubeAuditAdmin: { ...summary(kaa), tableTransactionsPer1000Events: perThousand("kube-audit-admin") },
      replayFromGzip: {
        oneThreadEventsPerSec: round(replay.oneThread.eventsPerSec),
        twoWorkersEventsPerSec: round(replay.twoWorkers.eventsPerSec),
        speedup: round(replay.speedup, 2),
        twoIdleCoresSpeedup: replay.twoIdleCoresSpeedup === undefined ? null : round(replay.twoIdleCoresSpeedup, 2),
      },
      peakRssMiB: round(peakRssMiB, 1),
      node: process.version,
    }),
  );
}

await main();
