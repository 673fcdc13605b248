/** What exec evidence may show: the command with every credential form people type masked. */
import { describe, expect, test } from "vitest";
import { redactCommand } from "../../detections/lib/execCommands.js";
import { runEvents } from "../support/harness.js";
import { ev } from "./fixture.js";

describe("redactCommand", () => {
  test.each([
    ["curl -H 'Authorization: Bearer abcd1234SECRET' https://x", "curl -H 'Authorization: Bearer <redacted>' https://x"],
    ["kubectl --token=tok123SECRET get po", "kubectl --token=<redacted> get po"],
    ["kubectl --token abcSECRET get po", "kubectl --token <redacted> get po"],
    ["az login --service-principal --client-secret s3cr3tSECRET", "az login --service-principal --client-secret <redacted>"],
    ["PGPASSWORD=hunter2SECRET psql -h db", "PGPASSWORD=<redacted> psql -h db"],
    ["AWS_SECRET_ACCESS_KEY=awsSECRET aws s3 ls", "AWS_SECRET_ACCESS_KEY=<redacted> aws s3 ls"],
    ["AZURE_CLIENT_SECRET=azSECRET ./run", "AZURE_CLIENT_SECRET=<redacted> ./run"],
    ["mysql -u root -pS3cretSECRET shop", "mysql -u root -p<redacted> shop"],
    ["curl -u admin:pw123SECRET https://x", "curl -u admin:<redacted> https://x"],
    ["curl --user admin:pw123SECRET https://x", "curl --user admin:<redacted> https://x"],
    ["git clone https://bob:ghpSECRET@github.com/o/r", "git clone https://bob:<redacted>@github.com/o/r"],
    ["echo eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlU0VDUkVU", "echo <redacted-jwt>"],
  ])("%s", (command, expected) => {
    expect(redactCommand(command)).toBe(expected);
  });

  test.each(["cat /var/run/secrets/kubernetes.io/serviceaccount/token", "mkdir -p /tmp/x", "ls -la /etc", "curl https://example.com/healthz"])(
    "leaves %s as it is",
    (command) => {
      expect(redactCommand(command)).toBe(command);
    },
  );
});

describe("exec commands in incident rows", () => {
  test("a token typed into an exec never reaches a row, whichever detection reports the exec", async () => {
    const alice = { username: "alice@contoso.com", groups: ["system:authenticated"], sourceIP: "198.51.100.7" };
    const command = ["sh", "-c", "curl -H 'Authorization: Bearer abcd1234SECRET' https://x; PGPASSWORD=hunter2SECRET psql; kubectl --token tokSECRET get po"]
      .map((part) => `command=${encodeURIComponent(part)}`)
      .join("&");
    const { incidents } = await runEvents([
      ev(0, {
        ...alice,
        verb: "create",
        resource: "pods",
        namespace: "prod",
        name: "debug",
        level: "RequestResponse",
        requestObject: {
          kind: "Pod",
          metadata: { name: "debug" },
          spec: { containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }] },
        },
      }),
      ev(10, { ...alice, verb: "get", resource: "secrets", namespace: "payments", name: "db" }),
      ev(20, {
        ...alice,
        verb: "create",
        resource: "pods",
        subresource: "exec",
        namespace: "prod",
        name: "debug",
        requestURI: `/api/v1/namespaces/prod/pods/debug/exec?${command}&container=c&stdout=true`,
        code: 101,
      }),
    ]);
    const reporting = incidents.map((row) => row.DetectionId);
    expect(reporting).toEqual(expect.arrayContaining(["pod-exec", "exec-into-privileged-pod", "escalation-sequence"]));
    expect(JSON.stringify(incidents)).not.toContain("SECRET");
  });
});
