import { describe, expect, test } from "vitest";
import { aksRecord, auditEvent, eventHubMessage } from "../../scripts/synthetic/auditRecords.js";
import { runMessages } from "../support/harness.js";
import { negative, positive } from "./exec-into-privileged-pod.fixtures.js";
import { runFixture } from "./fixture.js";

describe("exec-into-privileged-pod", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("exec-into-privileged-pod", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("exec-into-privileged-pod", fixture));

  test("does not report a pod created privileged in another cluster (fixtures cannot name clusters)", async () => {
    const [creation, execution] = positive[0]?.events ?? [];
    const other = "/SUBSCRIPTIONS/0B62A232-B8DB-4380-9DA6-640F7272ED6D/RESOURCEGROUPS/RG-DEV/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-DEV-WEU";
    if (!creation || !execution) throw new Error("the story fixture lost its events");
    const body = (spec: typeof creation, resourceId?: string) => eventHubMessage([aksRecord(auditEvent(spec), resourceId ? { resourceId } : {})]);
    const apart = await runMessages([
      { body: body(creation, other), location: { source: "test", line: 1 } },
      { body: body(execution), location: { source: "test", line: 2 } },
    ]);
    expect(apart.incidents.filter((row) => row.DetectionId === "exec-into-privileged-pod")).toEqual([]);
    const together = await runMessages([
      { body: body(creation), location: { source: "test", line: 1 } },
      { body: body(execution), location: { source: "test", line: 2 } },
    ]);
    expect(together.incidents.filter((row) => row.DetectionId === "exec-into-privileged-pod")).toHaveLength(1);
  });
});
