/**
 * The record and message shapes AKS diagnostic settings stream to Event Hubs (formats.md §2): a message is
 * `{"records":[…]}`, a record carries the audit event as a JSON string in `properties.log`, ending in a
 * newline as kube-apiserver writes it.
 */

export const AKS_OPERATION_NAME = "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read";
/** AKS names the API server pod (`kube-apiserver-<hash>-<hash>`); a replayed event says where it came from. */
export const REPLAY_POD = "kube-apiserver-kubetrail-replay";

export interface AksRecordFields {
  readonly time: string;
  /** The cluster, upper-case as AKS writes it. */
  readonly resourceId: string;
  readonly category: string;
  /** The audit event as JSON text. */
  readonly log: string;
}

export function aksRecordJson(fields: AksRecordFields): string {
  return JSON.stringify({
    time: fields.time,
    resourceId: fields.resourceId,
    category: fields.category,
    operationName: AKS_OPERATION_NAME,
    properties: { log: fields.log, stream: "stdout", pod: REPLAY_POD },
  });
}

const PREFIX = '{"records":[';
const SUFFIX = "]}";

/** The message body for records already serialized, each kept byte for byte. */
export function aksMessageJson(recordJsons: readonly string[]): string {
  return `${PREFIX}${recordJsons.join(",")}${SUFFIX}`;
}

/** UTF-8 size of `aksMessageJson(records)` from the records' own sizes, without building it. */
export function aksMessageBytes(recordBytes: number, recordCount: number): number {
  return PREFIX.length + SUFFIX.length + recordBytes + Math.max(0, recordCount - 1);
}

/** The time an audit event happened: its stage timestamp, else when the request arrived (v1beta1: `timestamp`). */
export function auditEventTime(event: unknown): string | undefined {
  if (event === null || typeof event !== "object") return undefined;
  const e = event as Record<string, unknown>;
  for (const field of ["stageTimestamp", "requestReceivedTimestamp", "timestamp"]) {
    if (typeof e[field] === "string") return e[field] as string;
  }
  return undefined;
}
