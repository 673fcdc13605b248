import { describe, expect, test } from "vitest";
import { parseEventHubAddress } from "../../pipeline/publish/eventHubAddress.js";
import { EventHubTargetError } from "../../pipeline/publish/eventHubTargetError.js";

describe("parseEventHubAddress", () => {
  test("a bare namespace gets the public cloud's suffix; a qualified one, sb:// or a trailing slash are taken as written", () => {
    expect(parseEventHubAddress("myns/kube-audit")).toEqual({ fullyQualifiedNamespace: "myns.servicebus.windows.net", eventHubName: "kube-audit" });
    expect(parseEventHubAddress("myns.servicebus.chinacloudapi.cn/insights-logs-kube-audit")).toEqual({
      fullyQualifiedNamespace: "myns.servicebus.chinacloudapi.cn",
      eventHubName: "insights-logs-kube-audit",
    });
    expect(parseEventHubAddress("sb://myns.servicebus.windows.net/hub/")).toEqual({
      fullyQualifiedNamespace: "myns.servicebus.windows.net",
      eventHubName: "hub",
    });
  });

  test("host:port connects there over TLS (a proxy, a local endpoint)", () => {
    expect(parseEventHubAddress("127.0.0.1:5671/kube-audit")).toEqual({
      fullyQualifiedNamespace: "127.0.0.1",
      eventHubName: "kube-audit",
      customEndpointAddress: "amqps://127.0.0.1:5671",
    });
  });

  test.each(["myns", "myns/", "/hub", "my ns/hub", "myns/hub/extra", "myns/-hub"])("refuses %j, saying what it expects", (spec) => {
    expect(() => parseEventHubAddress(spec)).toThrow(EventHubTargetError);
    expect(() => parseEventHubAddress(spec)).toThrow(`expected <namespace>/<hub> (myns/kube-audit or myns.servicebus.windows.net/kube-audit), got "${spec}"`);
  });
});
