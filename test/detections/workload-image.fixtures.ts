import { type DetectionFixture, ev, user } from "./fixture.js";
import { controllerPod, created } from "./privileged-workload.fixtures.js";

const alice = user("alice@contoso.com");
const REGISTRIES = { "workload-image": { allowedRegistries: ["contosoacr.azurecr.io/*", "mcr.microsoft.com/*"] } };

export const positive: DetectionFixture[] = [
  {
    name: "a crypto-miner pod (Panther's AKS crypto-miner case) is High",
    events: [ev(0, created("pods", "default", "crypto-miner", { containers: [{ name: "miner", image: "xmrig/xmrig:latest" }] }))],
    incidents: [
      {
        severity: "High",
        actor: "alice@contoso.com",
        titleIncludes: ["alice@contoso.com created pod default/crypto-miner running crypto-miner image"],
        evidence: { variants: ["mining"], images: ["container miner: xmrig/xmrig:latest (crypto-miner)"] },
        techniques: ["T1496"],
      },
    ],
  },
  {
    name: "a miner hidden in a Deployment's init container, mixed case, from another registry",
    events: [
      ev(
        0,
        created("deployments", "web", "frontend", {
          initContainers: [{ name: "warmup", image: "ghcr.io/someone/lolMiner:1.88" }],
          containers: [{ name: "web", image: "contosoacr.azurecr.io/web:3.2" }],
        }),
      ),
    ],
    incidents: [
      { severity: "High", targets: ["deployments/web/frontend"], evidence: { images: ["initContainer warmup: ghcr.io/someone/lolMiner:1.88 (crypto-miner)"] } },
    ],
  },
  {
    name: "kube-hunter run as a pod (Defender's PenTestToolsKubeHunter) is an attack tool: High",
    events: [
      ev(
        0,
        created("jobs", "default", "kube-hunter", {
          restartPolicy: "Never",
          containers: [{ name: "kube-hunter", image: "aquasec/kube-hunter:0.6.8", args: ["--pod"] }],
        }),
      ),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["created Job default/kube-hunter running attack tool image"],
        evidence: { variants: ["attackTool"] },
        techniques: ["T1610"],
      },
    ],
  },
  {
    name: "a debug container running peirates",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "pods",
        subresource: "ephemeralcontainers",
        namespace: "payments",
        name: "api-0",
        level: "RequestResponse",
        requestObject: { spec: { ephemeralContainers: [{ name: "debugger-q2w", image: "docker.io/bishopfox/peirates:latest", stdin: true, tty: true }] } },
      }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["added a debug container to pod payments/api-0"] }],
  },
  {
    name: "kubectl set image to a miner patches the template: reported as patched",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "web",
        name: "frontend",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { containers: [{ name: "web", image: "docker.io/metal3d/xmrig:latest" }] } } } },
      }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["patched Deployment web/frontend"] }],
  },
  {
    name: "with allowedRegistries set, an image from Docker Hub (short name) is Medium",
    config: REGISTRIES,
    events: [ev(0, created("pods", "default", "web", { containers: [{ name: "web", image: "nginx:1.27" }] }))],
    incidents: [{ severity: "Medium", evidence: { variants: ["unallowedRegistry"], images: ["container web: nginx:1.27 (not from an allowed registry)"] } }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "ordinary images with the registry variant off (allowedRegistries empty, the default)",
    events: [
      ev(
        0,
        created("pods", "default", "web", {
          containers: [
            { name: "web", image: "nginx:1.27" },
            { name: "proxy", image: "envoyproxy/envoy:v1.31" },
          ],
        }),
      ),
    ],
    incidents: [],
  },
  {
    name: "allowed registries match the full form of a short name (docker.io/* allows nginx)",
    config: { "workload-image": { allowedRegistries: ["docker.io/*"] } },
    events: [ev(0, created("pods", "default", "web", { containers: [{ name: "web", image: "nginx:1.27" }] }))],
    incidents: [],
  },
  {
    name: "images from the allowed registries",
    config: REGISTRIES,
    events: [
      ev(
        0,
        created("pods", "default", "web", {
          containers: [
            { name: "web", image: "contosoacr.azurecr.io/web:3.2" },
            { name: "az", image: "mcr.microsoft.com/azure-cli:2.67.0" },
          ],
        }),
      ),
    ],
    incidents: [],
  },
  {
    name: "the replicaset controller copying a miner template: judged where the template was written",
    events: [ev(0, controllerPod("default", "miner-5cdcc99dbf", "rgw6z", { containers: [{ name: "miner", image: "xmrig/xmrig:latest" }] }))],
    incidents: [],
  },
  {
    name: "a refused creation",
    events: [
      ev(0, { ...created("pods", "default", "crypto-miner", { containers: [{ name: "miner", image: "xmrig/xmrig:latest" }] }), code: 403, decision: "forbid" }),
    ],
    incidents: [],
  },
  {
    name: "a strategic-merge patch removing the miner container adds nothing",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "web",
        name: "frontend",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { containers: [{ name: "miner", image: "xmrig/xmrig:latest", $patch: "delete" }] } } } },
      }),
    ],
    incidents: [],
  },
];
