/**
 * Detection settings from one config file, validated at start: a bad file fails with a message that
 * names the field, and a missing one means every detection runs on its defaults.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { BaseSettings, Detection } from "../detect/detection.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export type ResolvedSettings = ReadonlyMap<string, BaseSettings>;

const ConfigFileSchema = z.strictObject({
  detections: z.record(z.string(), z.unknown()).default({}),
});

export function resolveSettings(detections: readonly Detection[], config: unknown = {}, source = "config"): ResolvedSettings {
  const file = ConfigFileSchema.safeParse(config ?? {});
  if (!file.success) throw new ConfigError(`${source}: ${describeIssues(file.error, [])}`);
  const known = new Map(detections.map((d) => [d.id, d]));
  for (const id of Object.keys(file.data.detections)) {
    if (!known.has(id)) throw new ConfigError(`${source}: detections.${id}: unknown detection id (known: ${[...known.keys()].join(", ")})`);
  }
  const resolved = new Map<string, BaseSettings>();
  for (const detection of detections) {
    const parsed = detection.settings.safeParse(file.data.detections[detection.id] ?? {});
    if (!parsed.success) throw new ConfigError(`${source}: ${describeIssues(parsed.error, ["detections", detection.id])}`);
    resolved.set(detection.id, parsed.data);
  }
  return resolved;
}

export async function loadSettingsFile(detections: readonly Detection[], path: string): Promise<ResolvedSettings> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`${path}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return resolveSettings(detections, json, path);
}

function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[]): string {
  return error.issues
    .map((issue) => {
      const path = [...prefix, ...issue.path].map(String).join(".");
      return `${path || "(root)"}: ${issue.message}`;
    })
    .join("; ");
}
