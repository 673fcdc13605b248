/** The `deliver` timer: uploads outbox rows whose first delivery failed or never happened. */
import type { InvocationContext, Timer } from "@azure/functions";
import { drainOutbox } from "../pipeline/deliver/deliverIncidents.js";
import { once, type RuntimeSource, sharedRuntime } from "./runtime.js";

export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

export function createDeliverHandler(source: RuntimeSource): TimerHandler {
  const runtime = once(source);
  return async (_timer, context) => {
    const { sink, outbox, now } = await runtime();
    const report = await drainOutbox({ sink, outbox, now });
    if (report.delivered + report.failed === 0) return;
    const line = `deliver: ${report.delivered} incident rows delivered, ${report.failed} still pending`;
    if (report.failed > 0) context.warn(`${line}; errors: ${report.errors.join(" | ")}`);
    else context.log(line);
  };
}

export const deliver: TimerHandler = createDeliverHandler(sharedRuntime);
