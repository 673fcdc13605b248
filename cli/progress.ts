/** A progress bar on stderr (cli-progress) with events/s and ETA, for replays long enough to wait on. */
import cliProgress from "cli-progress";
import type { ReplayProgress } from "../pipeline/replay/runReplay.js";

export interface Progress {
  update(progress: ReplayProgress): void;
  clear(): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: " {bar} {percentage}% | {events} events | {rate} ev/s | ETA {eta_formatted} | incidents {incidents}",
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    update(p) {
      const total = Math.max(p.bytesTotal, 1);
      const seconds = (performance.now() - started) / 1000;
      const payload = { events: p.stats.events, rate: seconds > 0 ? Math.round(p.stats.events / seconds) : 0, incidents: p.stats.incidents };
      if (!running) {
        bar.start(total, 0, payload);
        running = true;
      }
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
