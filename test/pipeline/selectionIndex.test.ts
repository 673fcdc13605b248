import { describe, expect, test } from "vitest";
import { baseSettings, type Detection, defineDetection, type Selector } from "../../pipeline/detect/detection.js";
import { blockListOf, inNetworks, isPublicAddress, networkOf } from "../../pipeline/detect/network.js";
import { SelectionIndex } from "../../pipeline/detect/selectionIndex.js";
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { normalizeAuditRecord } from "../../pipeline/normalize/normalizeAuditRecord.js";
import { auditEvent, type EventSpec } from "../../scripts/synthetic/auditRecords.js";

function selecting(id: string, select: Selector | readonly Selector[]): Detection {
  return defineDetection({
    id,
    title: id,
    description: id,
    mitre: { tactics: ["Discovery"], techniques: [] },
    status: "experimental",
    severityLogic: "",
    runbook: [],
    catalogueRows: [],
    settings: baseSettings({ windowMinutes: 1 }),
    select,
    fold: () => undefined,
    evaluate: () => undefined,
  });
}

function event(spec: Partial<EventSpec> & { impersonate?: string }): AuditEvent {
  const raw = auditEvent({ auditID: "a", time: Date.parse("2026-11-20T10:00:00Z"), verb: "get", username: "alice", sourceIP: "10.0.0.1", ...spec });
  if (spec.impersonate) raw.impersonatedUser = { username: spec.impersonate };
  const result = normalizeAuditRecord({ log: raw, category: "kube-audit", resourceId: "", envelopeTime: undefined, location: { source: "t" } });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

const ids = (index: SelectionIndex, e: AuditEvent) => index.candidates(e).map((d) => d.id);

describe("SelectionIndex", () => {
  const index = new SelectionIndex([
    selecting("secrets-read", { resources: ["secrets"], verbs: ["get", "list"] }),
    selecting("user-writes", { verbs: ["create", "delete"], actorTypes: ["user"] }),
    selecting("anonymous", { actorTypes: ["anonymous"] }),
    selecting("refused-secrets", { resources: ["secrets"], denied: true }),
    selecting("refused", { denied: true }),
    selecting("impersonating", { impersonated: true }),
    selecting("tools", { userAgents: ["TruffleHog", "azurehound"] }),
    selecting("public", { publicSource: true, actorTypes: ["serviceaccount"] }),
    selecting("exec-or-portforward", [{ resources: ["pods/exec"] }, { resources: ["pods/portforward"], verbs: ["create"] }]),
  ]);

  test("every condition of a selector must hold", () => {
    expect(ids(index, event({ resource: "secrets", namespace: "a", verb: "get" }))).toEqual(["secrets-read"]);
    expect(ids(index, event({ resource: "secrets", namespace: "a", verb: "delete" }))).toEqual(["user-writes"]);
    expect(ids(index, event({ resource: "pods", namespace: "a", verb: "create", username: "system:serviceaccount:a:b" }))).toEqual([]);
    expect(ids(index, event({ resource: "secrets", namespace: "a", verb: "get", code: 403, decision: "forbid" }))).toEqual([
      "secrets-read",
      "refused-secrets",
      "refused",
    ]);
  });

  test("a non-resource request reaches actor-type and facet selectors only", () => {
    expect(ids(index, event({ requestURI: "/api", username: "system:anonymous", groups: ["system:unauthenticated"], code: 401 }))).toEqual([
      "anonymous",
      "refused",
    ]);
  });

  test("several selectors of one detection select what any of them selects, once", () => {
    expect(ids(index, event({ resource: "pods", subresource: "exec", namespace: "a", name: "p" }))).toEqual(["exec-or-portforward"]);
    expect(ids(index, event({ resource: "pods", subresource: "portforward", namespace: "a", name: "p", verb: "get" }))).toEqual([]);
    expect(ids(index, event({ resource: "pods", subresource: "portforward", namespace: "a", name: "p", verb: "create" }))).toContain("exec-or-portforward");
  });

  test("user agents match case-insensitively as substrings, decided once per agent", () => {
    expect(ids(index, event({ requestURI: "/api", userAgent: "trufflehog/3.63 linux" }))).toEqual(["tools"]);
    expect(ids(index, event({ requestURI: "/api", userAgent: "AzureHound/2.1" }))).toEqual(["tools"]);
    expect(ids(index, event({ requestURI: "/api", userAgent: "kubectl/v1.30.1" }))).toEqual([]);
  });

  test("impersonation and public sources are facets", () => {
    expect(ids(index, event({ requestURI: "/api", impersonate: "system:admin" }))).toEqual(["impersonating"]);
    const sa = "system:serviceaccount:prod:web";
    expect(ids(index, event({ requestURI: "/api", username: sa, sourceIP: "20.50.1.2" }))).toEqual(["public"]);
    expect(ids(index, event({ requestURI: "/api", username: sa, sourceIP: "10.244.1.2" }))).toEqual([]);
    expect(ids(index, event({ requestURI: "/api", username: "alice", sourceIP: "20.50.1.2" }))).toEqual([]);
  });

  test("a selector with no condition is refused at construction, naming the detection", () => {
    expect(() => new SelectionIndex([selecting("empty", {})])).toThrow(/detection empty has a selector that selects nothing/);
  });
});

describe("network facts", () => {
  test.each([
    ["20.50.1.2", true],
    ["10.1.2.3", false],
    ["172.31.255.1", false],
    ["172.32.0.1", true],
    ["192.168.1.1", false],
    ["100.64.0.1", false],
    ["127.0.0.1", false],
    ["169.254.169.254", false],
    ["2001:4860::1", true],
    ["fd00::1", false],
    ["fe80::1", false],
    ["::1", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:20.0.0.1", true],
    ["not-an-ip", false],
    ["", false],
  ])("%s is public: %s", (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });

  test.each([
    ["203.0.113.77", 24, "203.0.113.0/24"],
    ["203.0.113.77", 16, "203.0.0.0/16"],
    ["2001:db8:1234:5678::9", 48, "2001:db8:1234::/48"],
    ["2001:db8::1", 64, "2001:db8::/64"],
  ])("the network of %s at /%d is %s", (ip, prefix, expected) => {
    expect(ip.includes(":") ? networkOf(ip, 24, prefix) : networkOf(ip, prefix)).toBe(expected);
  });

  test("block lists hold CIDRs and bare addresses, and name the entry that is neither", () => {
    const list = blockListOf(["198.51.100.0/24", "2001:db8::/32", "203.0.113.9"]);
    expect(inNetworks("198.51.100.200", list)).toBe(true);
    expect(inNetworks("2001:db8:ffff::1", list)).toBe(true);
    expect(inNetworks("203.0.113.9", list)).toBe(true);
    expect(inNetworks("203.0.113.10", list)).toBe(false);
    expect(() => blockListOf(["198.51.100.0/33"])).toThrow("not a network: 198.51.100.0/33");
    expect(() => blockListOf(["tor-exit-nodes"])).toThrow("not a network: tor-exit-nodes");
  });
});
