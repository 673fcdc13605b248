/**
 * A local stand-in for an Event Hubs namespace, speaking enough AMQP 1.0 for the real
 * `EventHubProducerClient` (built on rhea, like this server):
 *
 * - TLS (amqps) with the test certificate; SASL ANONYMOUS, which is what the SDK offers when it
 *   authenticates with a TokenCredential;
 * - `$cbs`: put-token requests answered with status 202; a link to the hub is refused
 *   (`amqp:unauthorized-access`) unless a token for its audience (`sb://<host>/<address>`) was put first;
 * - `$management`: READ of `com.microsoft:eventhub` (name, created_at, partition_count, partition_ids)
 *   and of `com.microsoft:partition`; an unknown hub answers 404 `com.microsoft:entity-not-found`;
 * - links to `<hub>` and `<hub>/Partitions/<n>` that advertise `max-message-size` on attach and accept
 *   single messages and batches (message format 0x80013700: an envelope whose body is one data section
 *   per encoded event). Every accepted event is recorded with its partition, in arrival order; a partition
 *   key (`x-opt-partition-key`) is hashed to a partition, so one key always lands on one partition, and
 *   a transfer with neither key nor partition goes round robin, as the service does;
 * - scripted faults on chosen transfers: a `com.microsoft:server-busy` rejection or a forced detach,
 *   both before anything is recorded, so a retried send must not duplicate or lose events.
 *
 * Not implemented: receiving (consumer links), idempotent publishing, SASL PLAIN, AMQP over WebSockets (the
 * in-process hook below carries plain AMQP over TLS).
 */
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { connect as tlsConnect, type Server as TlsServer, type TLSSocket } from "node:tls";
import rhea, { type Connection, type Delivery, type EventContext, type Message, type Receiver, type Sender } from "rhea";
import { testCertificate } from "./testCertificate.js";

/** The AMQP message format of an Event Hubs batch: one envelope carrying encoded events as data sections. */
const BATCH_FORMAT = 0x80013700;
const PARTITION_KEY = "x-opt-partition-key";

export interface EventHubServerOptions {
  /** The one event hub this namespace holds (default `kube-audit`). */
  readonly hub?: string;
  readonly partitions?: number;
  /** Advertised on every hub link's attach; the SDK sizes its batches by it (default 1 MiB, the Standard tier's). */
  readonly maxMessageSize?: number;
  /** When set, put-token must carry exactly this token (what the test's credential hands out). */
  readonly token?: string;
  /** Faults for the n-th transfer (1-based, counted over all hub links) that arrives. */
  readonly faults?: readonly TransferFault[];
}

export interface TransferFault {
  readonly transfer: number;
  /** `server-busy`: rejected with `com.microsoft:server-busy`; `detach`: the link is detached with `amqp:link:detach-forced`. */
  readonly kind: "server-busy" | "detach";
}

export interface ReceivedEvent {
  readonly partition: string;
  readonly partitionKey: string | undefined;
  /** Per partition, from 0, in the order events were accepted. */
  readonly sequenceNumber: number;
  /** The event body (its data section), byte for byte. */
  readonly body: Buffer;
  /** The transfer that carried it (1-based). */
  readonly transfer: number;
}

export interface Transfer {
  readonly index: number;
  /** Encoded size of the whole AMQP message as it arrived. */
  readonly bytes: number;
  readonly events: number;
  readonly outcome: "accepted" | "server-busy" | "detach";
}

export interface PutToken {
  readonly audience: string;
  readonly type: string;
  readonly token: string;
}

export class EventHubServer {
  readonly hub: string;
  readonly partitionIds: readonly string[];
  readonly maxMessageSize: number;
  readonly events: ReceivedEvent[] = [];
  readonly transfers: Transfer[] = [];
  readonly tokens: PutToken[] = [];
  /** The most hub transfers that were received and not yet settled at one time. */
  maxUnsettled = 0;

  private readonly expectedToken: string | undefined;
  private readonly faults: Map<number, TransferFault["kind"]>;
  private readonly authorized = new WeakMap<Connection, Set<string>>();
  private readonly nextSequence = new Map<string, number>();
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<TLSSocket>();
  private roundRobin = 0;
  private transferCount = 0;
  private unsettled = 0;
  private held: (() => void)[] | undefined;

  private constructor(
    private readonly server: TlsServer,
    readonly ca: string,
    options: EventHubServerOptions,
  ) {
    this.hub = options.hub ?? "kube-audit";
    this.partitionIds = Array.from({ length: options.partitions ?? 4 }, (_, i) => String(i));
    this.maxMessageSize = options.maxMessageSize ?? 1024 * 1024;
    this.expectedToken = options.token;
    this.faults = new Map((options.faults ?? []).map((fault) => [fault.transfer, fault.kind]));
  }

  static async start(options: EventHubServerOptions = {}): Promise<EventHubServer> {
    const { key, cert } = await testCertificate();
    const container = rhea.create_container({ id: "kubetrail-test-eventhubs", autoaccept: false });
    // The real service insists on SASL; ANONYMOUS is what the SDK offers with a TokenCredential (CBS does the auth).
    container.sasl_server_mechanisms.enable_anonymous();
    // `require_sasl` is a rhea connection option its typings leave out (hence no object literal here).
    const listenOptions = { port: 0, host: "127.0.0.1", transport: "tls" as const, key, cert, require_sasl: true };
    const server = container.listen(listenOptions) as TlsServer;
    const hubServer = new EventHubServer(server, cert, options);
    server.on("secureConnection", (socket: TLSSocket) => {
      // AMQP's small request/response frames: with Nagle and delayed ACKs each round trip would wait ~40 ms.
      socket.setNoDelay(true);
      hubServer.sockets.add(socket);
      socket.once("close", () => hubServer.sockets.delete(socket));
    });
    container.on("connection_open", (context: EventContext) => hubServer.connections.add(context.connection));
    container.on("disconnected", (context: EventContext) => hubServer.connections.delete(context.connection));
    container.on("receiver_open", (context: EventContext) => hubServer.onReceiverOpen(context));
    container.on("sender_open", (context: EventContext) => hubServer.onSenderOpen(context));
    container.on("message", (context: EventContext) => hubServer.onMessage(context));
    // Errors the client caused (a link it closed with an error, a socket reset) are its business, not the server's.
    container.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => {
      if (server.listening) resolve();
      server.once("listening", resolve);
      server.once("error", reject);
    });
    return hubServer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** For the SDK's `customEndpointAddress`. */
  get endpoint(): string {
    return `amqps://127.0.0.1:${this.port}`;
  }

  /**
   * Client options that make an in-process `EventHubProducerClient` reach this server over TLS trusting the
   * test certificate. Node reads NODE_EXTRA_CA_CERTS only at start and the SDK passes no TLS options to
   * `tls.connect`; its one socket hook is `webSocketOptions`, so the hook is handed a TLS socket (not a
   * WebSocket) that trusts `ca`: the bytes on the wire are the AMQP over TLS that `tls.connect` would carry.
   * Child processes use NODE_EXTRA_CA_CERTS and the SDK's own `tls.connect` instead.
   */
  clientOptions(): {
    customEndpointAddress: string;
    webSocketOptions: { webSocket: typeof TlsSocketAsWebSocket; webSocketConstructorOptions: { ca: string } };
  } {
    return { customEndpointAddress: this.endpoint, webSocketOptions: { webSocket: TlsSocketAsWebSocket, webSocketConstructorOptions: { ca: this.ca } } };
  }

  /** Events of one partition, in the order the partition accepted them. */
  eventsIn(partition: string): ReceivedEvent[] {
    return this.events.filter((event) => event.partition === partition);
  }

  /** The partition a partition key maps to (any stable hash will do; the service's own is not public). */
  partitionOf(partitionKey: string): string {
    const hash = createHash("sha256").update(partitionKey).digest().readUInt32BE(0);
    return this.partitionIds[hash % this.partitionIds.length] as string;
  }

  /** Keeps hub transfers unsettled until the returned function is called (to see how many a client keeps in flight). */
  holdSettlements(): () => void {
    this.held ??= [];
    return () => {
      const held = this.held ?? [];
      this.held = undefined;
      for (const settle of held) settle();
    };
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A client that went away without closing (or a test that never closed its client) must not keep the port open.
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private onSenderOpen(context: EventContext): void {
    // Reply links of $cbs and $management: echo their termini so the client sees its attach accepted.
    const sender = context.sender as Sender;
    sender.set_source({ address: sender.source?.address });
    sender.set_target({ address: sender.target?.address });
  }

  private onReceiverOpen(context: EventContext): void {
    const receiver = context.receiver as Receiver;
    const address = String(receiver.target?.address ?? "");
    receiver.set_source({ address: receiver.source?.address });
    receiver.set_target({ address });
    if (address === "$cbs" || address === "$management") return;
    if (this.partitionForAddress(address) === null) {
      receiver.close({ condition: "amqp:not-found", description: `The messaging entity '${address}' could not be found.` });
      return;
    }
    const audience = `sb://${context.connection.hostname}/${address}`;
    if (!this.authorized.get(context.connection)?.has(audience)) {
      receiver.close({ condition: "amqp:unauthorized-access", description: `Unauthorized access. No token was put for '${audience}'.` });
      return;
    }
    // rhea builds the attach it answers with from the link's local fields; max-message-size has no setter.
    (receiver as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = this.maxMessageSize;
  }

  private onMessage(context: EventContext): void {
    const receiver = context.receiver as Receiver;
    const delivery = context.delivery as Delivery;
    const address = String(receiver.target?.address ?? "");
    if (address === "$cbs" || address === "$management") {
      delivery.accept();
      const request = context.message as Message;
      const props = (request.application_properties ?? {}) as Record<string, unknown>;
      const response = address === "$cbs" ? this.putToken(context.connection, request, props) : this.management(props);
      this.reply(context.connection, request, response);
      return;
    }
    this.onTransfer(context, receiver, delivery, address);
  }

  private putToken(connection: Connection, request: Message, props: Record<string, unknown>): Response {
    const token = typeof request.body === "string" ? request.body : String(request.body ?? "");
    const put: PutToken = { audience: String(props.name ?? ""), type: String(props.type ?? ""), token };
    this.tokens.push(put);
    if (props.operation !== "put-token" || token === "" || (this.expectedToken !== undefined && token !== this.expectedToken)) {
      return { status: 401, description: "Unauthorized: the token was refused." };
    }
    const audiences = this.authorized.get(connection) ?? new Set<string>();
    this.authorized.set(connection, audiences.add(put.audience));
    return { status: 202, description: "Accepted" };
  }

  private management(props: Record<string, unknown>): Response {
    if (props.operation !== "READ") return { status: 400, description: `unsupported operation ${String(props.operation)}` };
    if (props.name !== this.hub) {
      return { status: 404, description: `The messaging entity '${String(props.name)}' could not be found.`, condition: "com.microsoft:entity-not-found" };
    }
    if (props.type === "com.microsoft:eventhub") {
      return {
        status: 200,
        description: "OK",
        body: {
          name: this.hub,
          type: "com.microsoft:eventhub",
          created_at: new Date("2024-01-01T00:00:00Z"),
          partition_count: this.partitionIds.length,
          partition_ids: [...this.partitionIds],
        },
      };
    }
    const partition = String(props.partition);
    if (props.type === "com.microsoft:partition" && this.partitionIds.includes(partition)) {
      const last = (this.nextSequence.get(partition) ?? 0) - 1;
      return {
        status: 200,
        description: "OK",
        body: {
          name: this.hub,
          type: "com.microsoft:partition",
          partition,
          begin_sequence_number: 0,
          last_enqueued_sequence_number: last,
          last_enqueued_offset: String(Math.max(last, 0)),
          last_enqueued_time_utc: new Date(),
          is_partition_empty: last < 0,
        },
      };
    }
    return { status: 404, description: `unknown entity type ${String(props.type)} or partition ${partition}`, condition: "com.microsoft:entity-not-found" };
  }

  /** Answers on the reply link the request names, as request/response over AMQP does ($cbs, $management). */
  private reply(connection: Connection, request: Message, response: Response): void {
    const replyTo = String(request.reply_to ?? "");
    const sender = connection.find_sender((s: Sender) => s.target?.address === replyTo || s.name === replyTo);
    if (!sender) return;
    const applicationProperties: Record<string, unknown> = { "status-code": response.status, "status-description": response.description };
    if (response.condition) applicationProperties["error-condition"] = response.condition;
    sender.send({ to: replyTo, correlation_id: request.message_id, application_properties: applicationProperties, body: response.body });
  }

  private onTransfer(context: EventContext, receiver: Receiver, delivery: Delivery, address: string): void {
    const index = ++this.transferCount;
    // rhea hands over the raw bytes for a non-standard message format and decodes format 0 itself.
    const raw = context.message as unknown as Buffer | Message;
    const envelope = decode(Buffer.isBuffer(raw) ? raw : rhea.message.encode(raw));
    const bytes = Buffer.isBuffer(raw) ? raw.length : rhea.message.encode(raw).length;
    const bodies =
      delivery.format === BATCH_FORMAT ? dataSections(envelope).map((data) => dataSections(decode(data))[0] ?? Buffer.alloc(0)) : dataSections(envelope);
    const fault = this.faults.get(index);
    if (fault === "server-busy") {
      this.transfers.push({ index, bytes, events: bodies.length, outcome: fault });
      delivery.reject({
        condition: "com.microsoft:server-busy",
        description: "The request was terminated because the namespace is being throttled (test fault).",
      });
      return;
    }
    if (fault === "detach") {
      this.transfers.push({ index, bytes, events: bodies.length, outcome: fault });
      receiver.close({ condition: "amqp:link:detach-forced", description: "The link was detached by the service (test fault)." });
      return;
    }
    const annotations = (envelope.message_annotations ?? {}) as Record<string, unknown>;
    const partitionKey = typeof annotations[PARTITION_KEY] === "string" ? (annotations[PARTITION_KEY] as string) : undefined;
    const partition = this.partitionForAddress(address) ?? (partitionKey !== undefined ? this.partitionOf(partitionKey) : this.nextRoundRobin());
    const settle = () => {
      this.unsettled--;
      this.transfers.push({ index, bytes, events: bodies.length, outcome: "accepted" });
      for (const body of bodies) {
        const sequenceNumber = this.nextSequence.get(partition) ?? 0;
        this.nextSequence.set(partition, sequenceNumber + 1);
        this.events.push({ partition, partitionKey, sequenceNumber, body, transfer: index });
      }
      delivery.accept();
    };
    this.unsettled++;
    this.maxUnsettled = Math.max(this.maxUnsettled, this.unsettled);
    if (this.held) this.held.push(settle);
    else settle();
  }

  /** The partition a link address pins (`<hub>/Partitions/<n>`), undefined for the hub itself, null if unknown. */
  private partitionForAddress(address: string): string | undefined | null {
    if (address === this.hub) return undefined;
    const prefix = `${this.hub}/Partitions/`;
    if (address.startsWith(prefix) && this.partitionIds.includes(address.slice(prefix.length))) return address.slice(prefix.length);
    return null;
  }

  private nextRoundRobin(): string {
    const partition = this.partitionIds[this.roundRobin % this.partitionIds.length] as string;
    this.roundRobin++;
    return partition;
  }
}

interface Response {
  readonly status: number;
  readonly description: string;
  readonly condition?: string;
  readonly body?: Record<string, unknown>;
}

/** What this server reads of a message rhea decoded. */
interface DecodedMessage {
  readonly body?: unknown;
  readonly message_annotations?: Record<string, unknown>;
}

function decode(bytes: Buffer): DecodedMessage {
  return rhea.message.decode(bytes) as DecodedMessage;
}

/** The data sections of a decoded message's body, as rhea gives them (one section, or several with `multiple`). */
function dataSections(message: DecodedMessage): Buffer[] {
  const body = message.body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (body?.typecode !== 0x75) return [];
  const content = body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
  return content.filter((item): item is Buffer => Buffer.isBuffer(item));
}

/**
 * The minimal WebSocket surface rhea's `websocket_connect` drives (constructor, onopen/onmessage/onclose/onerror,
 * send, close), backed by a TLS socket straight to the AMQP port: see EventHubServer.clientOptions.
 */
export class TlsSocketAsWebSocket {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: Buffer }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: ((error: Error) => void) | null = null;
  readonly url: string;
  private readonly socket: TLSSocket;

  constructor(url: string, _protocols: string | string[] | undefined, options: { ca: string }) {
    this.url = url;
    const { hostname, port } = new URL(url);
    this.socket = tlsConnect({ host: hostname, port: Number(port), ca: options.ca });
    this.socket.setNoDelay(true);
    this.socket.on("secureConnect", () => this.onopen?.());
    this.socket.on("data", (data: Buffer) => this.onmessage?.({ data }));
    this.socket.on("error", (error) => this.onerror?.(error));
    this.socket.on("close", () => this.onclose?.());
  }

  send(data: Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.end();
  }
}
