/**
 * When each unit of input may go out: `--rate` (records per second) and `--speed` (event time compressed by
 * a factor, from the first timed unit on). Pure arithmetic on the clock's time; the caller sleeps.
 */
import { TokenBucket } from "./tokenBucket.js";

export interface PacerOptions {
  /** Records per second. */
  readonly rate?: number;
  /** Event time to real time: 60 plays an hour of logs in a minute. */
  readonly speed?: number;
}

export class Pacer {
  private readonly bucket: TokenBucket | undefined;
  private readonly speed: number | undefined;
  private origin: { readonly event: number; readonly wall: number } | undefined;

  constructor(options: PacerOptions) {
    if (options.rate !== undefined && !(options.rate > 0)) throw new RangeError(`rate must be above 0, got ${options.rate}`);
    if (options.speed !== undefined && !(options.speed > 0)) throw new RangeError(`speed must be above 0, got ${options.speed}`);
    // A tenth of a second's worth of burst: enough to batch, small enough that any second stays near the rate.
    this.bucket = options.rate !== undefined ? new TokenBucket(options.rate, Math.max(1, options.rate / 10)) : undefined;
    this.speed = options.speed;
  }

  get paced(): boolean {
    return this.bucket !== undefined || this.speed !== undefined;
  }

  /** Milliseconds to wait, from `now`, before sending a unit of `records` records whose event time is `eventTime`. */
  delay(records: number, eventTime: number | undefined, now: number): number {
    const rateDelay = this.bucket ? this.bucket.take(records, now) : 0;
    return Math.max(rateDelay, this.speedDelay(eventTime, now));
  }

  private speedDelay(eventTime: number | undefined, now: number): number {
    if (this.speed === undefined || eventTime === undefined) return 0;
    if (!this.origin) {
      this.origin = { event: eventTime, wall: now };
      return 0;
    }
    // Units earlier than the origin (input slightly out of order) go at once.
    return Math.max(0, this.origin.wall + (eventTime - this.origin.event) / this.speed - now);
  }
}
