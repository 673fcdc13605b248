/**
 * The incident outbox: emissions committed with their state (see stateStore.ts) and not yet delivered
 * to Log Analytics. The instance that commits an emission holds a lease on it and uploads it at once;
 * when that fails or the instance dies, the lease runs out and a timer delivers it. A row that keeps
 * failing stays pending with its last error: it is never deleted before it is delivered.
 */

export interface PendingEmission {
  /** `IncidentId#Revision`. */
  readonly id: string;
  /** The incident row as JSON. */
  readonly row: string;
  /** Failed delivery attempts so far. */
  readonly attempts: number;
  readonly lastError?: string;
}

export interface LeaseOptions {
  /** Wall clock, epoch ms. */
  readonly now: number;
  /** How long the caller may deliver before another caller may take the emission. */
  readonly leaseMs: number;
  readonly limit: number;
}

export interface DeliveryFailure {
  readonly id: string;
  readonly error: string;
  /** Wall clock (epoch ms) before which no one retries it. */
  readonly retryAt: number;
}

export interface IncidentOutbox {
  /** Pending emissions whose lease ran out, oldest first, now leased to the caller. */
  lease(options: LeaseOptions): Promise<PendingEmission[]>;
  /** Delivered: no longer pending; the emission id stays claimed until its state expires. */
  markDelivered(ids: readonly string[]): Promise<void>;
  /** Still pending: counts the attempt, keeps the error, and leases the emission until `retryAt`. */
  markFailed(failures: readonly DeliveryFailure[]): Promise<void>;
  /** Every emission not yet delivered (operators and tests; a scan). */
  pending(): Promise<PendingEmission[]>;
}

/** How long the committing instance holds its new emissions before the timer may take them. */
export const FIRST_LEASE_MS = 5 * 60_000;
