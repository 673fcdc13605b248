/** Parsers for the replay CLI's values: counts, durations, points in time. Each names what it expects. */
import { availableParallelism } from "node:os";
import { InvalidArgumentError } from "commander";

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `5m`, `1h`, `0`: milliseconds. */
export function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m || (m[2] === undefined && Number(m[1]) !== 0)) throw new InvalidArgumentError("expected a duration such as 30s, 5m or 1h (or 0)");
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? "ms"] ?? 1));
}

/** `2026-11-20`, `2026-11-20T10:00`, `2026-11-20T10:00:00Z`, `…+01:00`: epoch ms; no zone means UTC. */
export function pointInTime(value: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value.trim());
  const ms = m ? Date.parse(`${m[1]}T${m[2] ?? "00:00"}${m[3] ?? "Z"}`) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError("expected a date or date-time such as 2026-11-20 or 2026-11-20T10:00Z (UTC unless a zone is given)");
  return ms;
}

/**
 * Default parse threads: one per core, at most 4. The main thread only merges and runs detection on the
 * few events detections select, so it needs little of a core; beyond 4, detection and the copying of
 * results back become the limit and each worker only adds memory.
 */
export function defaultWorkers(): number {
  return Math.min(availableParallelism(), 4);
}

/** Below this much input, starting workers (about a second under tsx) costs more than it saves. */
export const WORKERS_WORTH_IT_BYTES = 16 << 20;
