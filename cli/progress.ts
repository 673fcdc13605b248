/**
 * A progress bar on stderr (cli-progress): bytes read of the total (so the ETA is by bytes, which is what
 * the replay has left to do), events/s, incidents, late events and the event time reached.
 */
import cliProgress from "cli-progress";
import type { ReplayProgress } from "../pipeline/replay/runReplay.js";

/** Time left at the average byte rate so far; `-` without a total (stdin), `…` once every byte is read. */
function eta(read: number, total: number, seconds: number): string {
  if (total <= 0 || read <= 0 || seconds <= 0) return "-";
  if (read >= total) return "…";
  const left = Math.round(((total - read) * seconds) / read);
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

export interface Progress {
  update(progress: ReplayProgress): void;
  clear(): void;
  stop(): void;
}

/** `always`: also when stderr is not a terminal (a log file, CI), as one line every two seconds. */
export function createProgress(stream: NodeJS.WriteStream, options: { always?: boolean } = {}): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      noTTYOutput: options.always === true,
      notTTYSchedule: 2000,
      format: " {bar} {percentage}% | {mib} | {events} events | {rate} ev/s | ETA {left} | at {at} | incidents {incidents} | late {late}",
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    update(p) {
      // Stdin has no size: the bar then grows with what was read and gives no ETA worth reading.
      const total = Math.max(p.bytesTotal, p.bytesRead, 1);
      const seconds = (performance.now() - started) / 1000;
      const reached = p.read.lastEventTime;
      const payload = {
        events: p.stats.events.toLocaleString("en-US"),
        rate: seconds > 0 ? Math.round(p.stats.events / seconds).toLocaleString("en-US") : 0,
        incidents: p.stats.incidents,
        late: p.read.late,
        mib: `${(p.bytesRead / 2 ** 20).toFixed(0)}/${(p.bytesTotal / 2 ** 20).toFixed(0)} MiB`,
        left: eta(p.bytesRead, p.bytesTotal, seconds),
        at: Number.isFinite(reached) ? new Date(reached).toISOString().slice(0, 19).replace("T", " ") : "-",
      };
      if (!running) {
        bar.start(total, 0, payload);
        running = true;
      }
      bar.setTotal(total);
      bar.update(Math.min(p.bytesRead, total), payload);
    },
    clear() {
      if (running) stream.write("\r\x1b[K");
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
