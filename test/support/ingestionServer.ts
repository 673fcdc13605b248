/**
 * A local HTTPS stand-in for the Azure Monitor Logs Ingestion endpoint, so the real
 * `LogsIngestionClient` can be tested end to end: `POST /dataCollectionRules/{id}/streams/{stream}`,
 * gzip JSON array body, 204 on success. It records what it accepted, decoded, and injects faults
 * (scripted or seeded-random) to exercise the SDK's retries and our handling of partial failure.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { testCertificate } from "./testCertificate.js";
import { seededRandom } from "../../scripts/synthetic/auditRecords.js";

/** What the server does with the next upload request that passes validation. */
export type IngestionFault =
  | { readonly kind: "pass" }
  | { readonly kind: "status"; readonly status: 500 | 503 }
  /** 429 with `Retry-After` in seconds (fractions allowed; the SDK parses it as a number). */
  | { readonly kind: "throttle"; readonly retryAfterSeconds: number }
  /** Socket destroyed before the rows are accepted: nothing recorded, the client sees a reset. */
  | { readonly kind: "reset" }
  /** Waits, then accepts with 204. */
  | { readonly kind: "slow"; readonly delayMs: number }
  /** Rows accepted and recorded, then the socket is destroyed: the one way to get duplicates. */
  | { readonly kind: "acceptedThenReset" };

export interface RandomFaults {
  readonly seed: number;
  /** Chance in [0, 1] that a request gets one of `faults` (picked uniformly). */
  readonly probability: number;
  readonly faults: readonly IngestionFault[];
}

export interface FaultPlan {
  /** Applied to the next requests in order, one each; then `random` (if any) takes over. */
  readonly script?: readonly IngestionFault[];
  readonly random?: RandomFaults;
}

export type IngestionRow = Record<string, unknown>;

export interface IngestionRequest {
  /** `Date.now()` when the request arrived. */
  readonly at: number;
  readonly path: string;
  readonly apiVersion: string | null;
  readonly authorization: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly contentType: string | undefined;
  /** HTTP status sent, or "reset" when the socket was destroyed instead. */
  readonly status: number | "reset";
  readonly fault: IngestionFault["kind"] | undefined;
  /** Decoded body (also for faulted requests); empty when it failed validation. */
  readonly rows: readonly IngestionRow[];
  readonly accepted: boolean;
}

export interface IngestionServerOptions {
  readonly ruleId: string;
  readonly streamName: string;
  readonly apiVersion?: string;
}

const ROUTE = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/;
/** The service's per-request limit. */
const MAX_BODY_BYTES = 1024 * 1024;

export class IngestionServer {
  /** Every row accepted, decoded, in arrival order (duplicates included). */
  readonly received: IngestionRow[] = [];
  /** Every request that reached the server, in arrival order. */
  readonly requests: IngestionRequest[] = [];
  private script: IngestionFault[] = [];
  private random: { readonly next: () => number; readonly plan: RandomFaults } | undefined;
  /** Cancels slow-response delays on close. */
  private readonly closing = new AbortController();

  private constructor(
    private readonly server: Server,
    private readonly options: IngestionServerOptions,
    readonly url: string,
  ) {}

  /** Starts on a free loopback port; `url` is `https://127.0.0.1:<port>` (the certificate names that IP). */
  static async start(options: IngestionServerOptions): Promise<IngestionServer> {
    const { key, cert } = await testCertificate();
    let instance: IngestionServer | undefined;
    const server = createServer({ key, cert }, (req, res) => {
      instance?.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) respond(res, 500, "ServerBug", String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("ingestion server has no TCP address");
    instance = new IngestionServer(server, options, `https://127.0.0.1:${address.port}`);
    return instance;
  }

  setFaults(plan: FaultPlan): void {
    this.script = [...(plan.script ?? [])];
    const random = plan.random;
    this.random = random ? { next: seededRandom(random.seed), plan: random } : undefined;
  }

  /** No more faults: every valid request is accepted. */
  heal(): void {
    this.setFaults({});
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", this.url);
    const base = {
      at,
      path: url.pathname,
      apiVersion: url.searchParams.get("api-version"),
      authorization: req.headers.authorization,
      contentEncoding: req.headers["content-encoding"],
      contentType: req.headers["content-type"],
    };
    const reject = (status: number, code: string, message: string): void => {
      this.requests.push({ ...base, status, fault: undefined, rows: [], accepted: false });
      respond(res, status, code, message);
    };

    const route = ROUTE.exec(url.pathname);
    if (req.method !== "POST" || !route) return reject(404, "NotFound", `no such endpoint: ${req.method} ${url.pathname}`);
    if (!/^Bearer \S+$/.test(base.authorization ?? "")) return reject(401, "InvalidToken", "a bearer token is required");
    if (base.apiVersion !== (this.options.apiVersion ?? "2023-01-01")) return reject(400, "InvalidApiVersion", `unsupported api-version ${base.apiVersion}`);
    if (decodeURIComponent(route[1] ?? "") !== this.options.ruleId) return reject(404, "InvalidDataCollectionRule", "unknown data collection rule");
    if (decodeURIComponent(route[2] ?? "") !== this.options.streamName) return reject(404, "InvalidStream", "unknown stream");
    const decoded = decodeRows(body, base.contentEncoding);
    if (!Array.isArray(decoded)) return reject(decoded.status, "InvalidPayload", decoded.message);

    const fault = this.nextFault();
    const record = (status: number | "reset", accepted: boolean): void => {
      this.requests.push({ ...base, status, fault: fault.kind, rows: decoded, accepted });
      if (accepted) this.received.push(...decoded);
    };
    switch (fault.kind) {
      case "pass":
      case "slow":
        if (fault.kind === "slow") await sleep(fault.delayMs, undefined, { signal: this.closing.signal });
        if (res.destroyed) return;
        record(204, true);
        res.writeHead(204).end();
        return;
      case "status":
        record(fault.status, false);
        return respond(res, fault.status, "ServiceError", `injected ${fault.status}`);
      case "throttle":
        record(429, false);
        return respond(res, 429, "TooManyRequests", "injected throttling", { "Retry-After": String(fault.retryAfterSeconds) });
      case "reset":
      case "acceptedThenReset":
        record("reset", fault.kind === "acceptedThenReset");
        req.socket.destroy();
        return;
    }
  }

  private nextFault(): IngestionFault {
    const scripted = this.script.shift();
    if (scripted) return scripted;
    if (!this.random) return { kind: "pass" };
    const { next, plan } = this.random;
    if (next() >= plan.probability || plan.faults.length === 0) return { kind: "pass" };
    return plan.faults[Math.floor(next() * plan.faults.length)] ?? { kind: "pass" };
  }
}

function respond(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify({ error: { code, message } }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The rows in a request body, or why the body is unacceptable. */
function decodeRows(body: Buffer, contentEncoding: string | undefined): IngestionRow[] | { readonly status: 400 | 413; readonly message: string } {
  let json: Buffer;
  try {
    json = contentEncoding === "gzip" ? gunzipSync(body) : body;
  } catch (error) {
    return { status: 400, message: `body is not valid gzip: ${String(error)}` };
  }
  if (body.length > MAX_BODY_BYTES || json.length > MAX_BODY_BYTES) return { status: 413, message: `body is over ${MAX_BODY_BYTES} bytes` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString("utf8"));
  } catch (error) {
    return { status: 400, message: `invalid JSON: ${String(error)}` };
  }
  if (!Array.isArray(parsed) || !parsed.every((row) => typeof row === "object" && row !== null && !Array.isArray(row))) {
    return { status: 400, message: "expected a JSON array of objects" };
  }
  return parsed as IngestionRow[];
}
