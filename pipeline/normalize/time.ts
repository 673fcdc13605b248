/** RFC 3339 / ISO 8601 date-times, with or without a zone (group 3); anything else (locale formats) is refused. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Event times outside these bounds are corrupt, not history: Kubernetes did not exist before 2000, and a
 * far-future time would push an instance's watermark past every real event.
 */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/**
 * Parses audit timestamps (RFC 3339 with 0–9 fractional digits) into epoch milliseconds. Times without a
 * zone (some exports write `2022-11-29 00:09:04.38`) are read as UTC, and locale formats are refused
 * rather than read in the machine's time zone, so a replay gives the same result anywhere.
 */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== "string" || value.length < 10) return undefined;
  const fast = parseUtcFast(value);
  if (!Number.isNaN(fast)) return inBounds(fast); // the common shape, parsed by hand
  const iso = ISO_DATE_TIME.exec(value);
  if (iso === null) return undefined;
  return inBounds(Date.parse(iso[3] ? value : `${value.replace(" ", "T")}Z`));
}

function inBounds(ms: number): number | undefined {
  return ms >= EARLIEST && ms < LATEST ? ms : undefined;
}

/**
 * The shape the API server writes, `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, and the same without `Z` (or with a
 * space for the `T` and no zone), read as UTC. Gives exactly what Date.parse gives for these (fraction
 * truncated to milliseconds, day overflow rolling into the next month as V8 does); NaN for anything
 * else, which the caller hands to Date.parse.
 */
function parseUtcFast(s: string): number {
  const n = s.length;
  if (n < 19 || n > 30) return Number.NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return Number.NaN;
  const sep = s.charCodeAt(10);
  const zoned = s.charCodeAt(n - 1) === 90; // Z
  // `T` with or without `Z`; a space only without a zone (with one, Date.parse's legacy rules apply).
  if (sep !== 84 && (sep !== 32 || zoned)) return Number.NaN;
  const year = digits4(s, 0);
  const month = digits2(s, 5);
  const day = digits2(s, 8);
  const hour = digits2(s, 11);
  const minute = digits2(s, 14);
  const second = digits2(s, 17);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return Number.NaN;
  }
  const end = zoned ? n - 1 : n;
  let ms = 0;
  if (end > 19) {
    if (s.charCodeAt(19) !== 46) return Number.NaN; // .
    const fractionDigits = end - 20;
    if (fractionDigits < 1 || fractionDigits > 9) return Number.NaN;
    for (let i = 20; i < end; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      if (i < 23) ms = ms * 10 + d; // milliseconds; further digits are truncated
    }
    if (fractionDigits === 1) ms *= 100;
    else if (fractionDigits === 2) ms *= 10;
  }
  return (daysFromCivil(year, month) + day - 1) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

function digits2(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

function digits4(s: string, at: number): number {
  const hi = digits2(s, at);
  const lo = digits2(s, at + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/** Days from 1970-01-01 to the first of this month (proleptic Gregorian; H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
