/**
 * Groups single records into AKS messages (`{"records":[…]}`), several records each, as diagnostic settings
 * do: records of one partition key only, up to a record count and a byte size. A whole Event Hub message
 * from the input first sends what is pending for its key, so the input's order holds within a key.
 */
import { formatLocation, type SourceLocation } from "../decode/location.js";
import { aksMessageBytes, aksMessageJson } from "./aksRecord.js";
import type { MessageUnit, RecordUnit } from "./publishUnits.js";

/** One Event Hubs event to send. */
export interface OutgoingMessage {
  readonly body: Buffer;
  readonly records: number;
  readonly key: string | undefined;
  /** Where it came from: the input message, or the first record grouped into it. */
  readonly location: string;
  /** Two smaller messages with the same records, for one that does not fit an empty batch; undefined when it cannot be split. */
  split(): [OutgoingMessage, OutgoingMessage] | undefined;
}

export interface RecordGrouperOptions {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Keys with a message being filled at once; the oldest is sent when another key needs one (memory stays bounded). */
  readonly maxOpenGroups: number;
}

interface Group {
  readonly key: string | undefined;
  readonly jsons: string[];
  readonly locations: SourceLocation[];
  bytes: number;
}

export class RecordGrouper {
  private readonly groups = new Map<string | undefined, Group>();

  constructor(private readonly options: RecordGrouperOptions) {}

  /** Adds a record; returns the messages that are complete because of it. */
  add(unit: RecordUnit): OutgoingMessage[] {
    const out: OutgoingMessage[] = [];
    const bytes = Buffer.byteLength(unit.json, "utf8");
    let group = this.groups.get(unit.key);
    if (group && aksMessageBytes(group.bytes + bytes, group.jsons.length + 1) > this.options.maxBytes) {
      out.push(this.close(group));
      group = undefined;
    }
    if (!group) {
      if (this.groups.size >= this.options.maxOpenGroups) {
        const oldest = this.groups.values().next().value as Group;
        out.push(this.close(oldest));
      }
      group = { key: unit.key, jsons: [], locations: [], bytes: 0 };
      this.groups.set(unit.key, group);
    }
    group.jsons.push(unit.json);
    group.locations.push(unit.location);
    group.bytes += bytes;
    if (group.jsons.length >= this.options.maxRecords) out.push(this.close(group));
    return out;
  }

  /** A whole message from the input: whatever is pending for its key goes first. */
  passThrough(unit: MessageUnit): OutgoingMessage[] {
    const out: OutgoingMessage[] = [];
    const pending = this.groups.get(unit.key);
    if (pending) out.push(this.close(pending));
    out.push({ body: unit.body, records: unit.records, key: unit.key, location: formatLocation(unit.location), split: () => undefined });
    return out;
  }

  /** Every pending message, oldest first. */
  flush(): OutgoingMessage[] {
    return [...this.groups.values()].map((group) => this.close(group));
  }

  private close(group: Group): OutgoingMessage {
    this.groups.delete(group.key);
    return groupedMessage(group.key, group.jsons, group.locations);
  }
}

function groupedMessage(key: string | undefined, jsons: string[], locations: SourceLocation[]): OutgoingMessage {
  return {
    body: Buffer.from(aksMessageJson(jsons), "utf8"),
    records: jsons.length,
    key,
    location: formatLocation(locations[0] as SourceLocation),
    split: () => {
      if (jsons.length < 2) return undefined;
      const half = Math.ceil(jsons.length / 2);
      return [groupedMessage(key, jsons.slice(0, half), locations.slice(0, half)), groupedMessage(key, jsons.slice(half), locations.slice(half))];
    },
  };
}
