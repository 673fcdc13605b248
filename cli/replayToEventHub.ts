/**
 * `replay --to-eventhub`: instead of running the pipeline, publish the input's messages (original bodies,
 * in event-time order across files) to an Event Hub, so a deployed stack sees history as it saw it live.
 * Reading, ordering, progress, summary and Ctrl-C are the replay's; publishing is cli/toEventHub.ts's.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { QuarantineEntry } from "../pipeline/decode/quarantine.js";
import type { InputPlan } from "../pipeline/replay/inputPlan.js";
import { readOrderedMessages } from "../pipeline/replay/readOrderedMessages.js";
import { totalSkipped } from "../pipeline/stats.js";
import type { Progress } from "./progress.js";
import { type EventHubCliOptions, type EventHubRunResult, runToEventHub } from "./toEventHub.js";

export interface EventHubReplay {
  readonly inputs: readonly string[];
  readonly plan: InputPlan;
  readonly options: EventHubCliOptions;
  readonly workers: number;
  readonly reorderWindowMs: number;
  readonly from?: number;
  readonly to?: number;
  readonly clusterResourceId?: string;
  readonly signal: AbortSignal;
  readonly progress: Progress | undefined;
  readonly quarantineFile?: string;
  readonly onQuarantine: (entry: QuarantineEntry) => void;
  /** Input the publisher does not send (not audit data), with its place and reason. */
  readonly onSkip: (skipped: { readonly location: string; readonly reason: string }) => void;
}

export interface EventHubReplaySummary {
  readonly status: "done" | "stopped";
  readonly target: string;
  readonly seconds: number;
  readonly read: {
    readonly files: number;
    readonly filesTotal: number;
    readonly bytes: number;
    readonly messages: number;
    readonly records: number;
    readonly events: number;
    readonly skipped: number;
    readonly quarantined: number;
    readonly outsideRange: number;
    /** Messages older than the reorder window allowed: sent as read. */
    readonly late: number;
    readonly firstEventTime: string | null;
    readonly lastEventTime: string | null;
  };
  readonly sent: EventHubRunResult;
}

export async function replayToEventHub(run: EventHubReplay): Promise<EventHubReplaySummary> {
  const started = performance.now();
  const quarantineOut: WriteStream | undefined = run.quarantineFile ? createWriteStream(run.quarantineFile) : undefined;
  const messages = readOrderedMessages(run.inputs, {
    workers: run.workers,
    reorderWindowMs: run.reorderWindowMs,
    from: run.from,
    to: run.to,
    clusterResourceId: run.clusterResourceId,
    signal: run.signal,
    onQuarantine: (entry) => {
      quarantineOut?.write(`${JSON.stringify(entry)}\n`);
      run.onQuarantine(entry);
    },
  });
  try {
    const sent = await runToEventHub(run.options, messages, {
      signal: run.signal,
      clusterResourceId: run.clusterResourceId,
      onSkip: run.onSkip,
      onProgress: () => {
        const read = messages.progress;
        if (read) run.progress?.update({ bytesRead: read.bytesRead, bytesTotal: read.bytesTotal, stats: messages.stats, file: read.currentFile, read });
      },
    });
    const read = messages.progress;
    const stats = messages.stats;
    const iso = (t: number | undefined) => (t !== undefined && Number.isFinite(t) ? new Date(t).toISOString() : null);
    return {
      status: sent.aborted || run.signal.aborted ? "stopped" : "done",
      target: run.options.toEventhub ?? "",
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      read: {
        files: read?.filesOpened ?? 0,
        filesTotal: run.plan.files,
        bytes: read?.bytesRead ?? 0,
        messages: stats.messages,
        records: stats.records,
        events: stats.events,
        skipped: totalSkipped(stats),
        quarantined: stats.quarantined,
        outsideRange: read?.outsideRange ?? 0,
        late: read?.late ?? 0,
        firstEventTime: iso(read?.firstEventTime),
        lastEventTime: iso(read?.lastEventTime),
      },
      sent,
    };
  } finally {
    if (quarantineOut) {
      quarantineOut.end();
      await finished(quarantineOut);
    }
  }
}

export function formatEventHubSummary(s: EventHubReplaySummary, reorderWindow: string): string {
  const r = s.read;
  return [
    "",
    `kubetrail replay to Event Hub ${s.target} ${s.status} in ${s.seconds.toFixed(2)} s`,
    `  read: files ${r.files} of ${r.filesTotal}, ${(r.bytes / 2 ** 20).toFixed(1)} MiB, messages ${r.messages}, records ${r.records}, audit events ${r.events}, skipped ${r.skipped}, quarantined ${r.quarantined}${r.outsideRange ? `, outside --from/--to ${r.outsideRange}` : ""}`,
    `  event time ${r.firstEventTime ?? "-"} to ${r.lastEventTime ?? "-"}; late ${r.late} (beyond the ${reorderWindow} reorder window; sent as read)`,
    `  sent: messages ${s.sent.messages}, records ${s.sent.records}, batches ${s.sent.batches}, ${(s.sent.bytes / 2 ** 20).toFixed(1)} MiB; not published ${s.sent.skipped}`,
    "",
  ].join("\n");
}
