/**
 * The app settings the Function code reads (the trigger's own settings, `EventHubConnection__*`,
 * `EVENTHUB_NAME` and `EVENTHUB_CONSUMER_GROUP`, are resolved by the Functions host, not here).
 * Validated on first use with an error that names the setting.
 */
import { z } from "zod";

export class AppSettingsError extends Error {
  override readonly name = "AppSettingsError";
}

// Azure portals and Bicep often leave a cleared setting as "", which means "not set", not "the file named ''".
const optionalText = z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), z.string().trim().optional());

const AppSettingsSchema = z.object({
  /** Detection settings file (JSON, see pipeline/config/settings.ts); a relative path resolves against the working directory, the app root under the Functions host. */
  KUBETRAIL_CONFIG_FILE: optionalText,
});

export type AppSettings = z.infer<typeof AppSettingsSchema>;

export function readAppSettings(env: Readonly<Record<string, string | undefined>> = process.env): AppSettings {
  const parsed = AppSettingsSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `app setting ${issue.path.map(String).join(".")}: ${issue.message}`);
  throw new AppSettingsError(problems.join("; "));
}
