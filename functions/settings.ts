/**
 * The app settings the Function code reads (the trigger's own settings, `EventHubConnection__*`,
 * `EVENTHUB_NAME` and `EVENTHUB_CONSUMER_GROUP`, are resolved by the Functions host, not here).
 * Validated on first use with an error that names the setting. infra/ sets each of them; a test there
 * reads this schema, so a new required setting cannot ship without its Bicep.
 */
import { z } from "zod";
import { DEFAULT_STREAM } from "../pipeline/deliver/logsIngestionSink.js";

export class AppSettingsError extends Error {
  override readonly name = "AppSettingsError";
}

// Azure portals and Bicep often leave a cleared setting as "", which means "not set", not "the file named ''".
const blankIsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optionalText = z.preprocess(blankIsUnset, z.string().trim().optional());
const requiredText = (what: string) => z.preprocess(blankIsUnset, z.string({ error: `required: ${what}` }).trim());
const httpsUrl = (what: string) =>
  z.preprocess(
    blankIsUnset,
    z
      .string({ error: `required: ${what}` })
      .trim()
      .url({ error: `must be an https URL: ${what}` })
      .startsWith("https://", { error: `must be an https URL: ${what}` }),
  );

export { DEFAULT_STREAM };

export const AppSettingsSchema = z.object({
  /**
   * Where detection state, emission claims and the incident outbox live: an https Table endpoint
   * (`https://<account>.table.core.windows.net`, reached with the managed identity), a connection string
   * (Azurite), or `memory` (one instance, local development only).
   */
  KUBETRAIL_STATE: requiredText("the Table endpoint of the state account, a connection string, or 'memory'"),
  /** The data collection rule's logsIngestion endpoint. */
  KUBETRAIL_INGESTION_ENDPOINT: httpsUrl("the logsIngestion endpoint of the data collection rule"),
  /** The data collection rule's immutable id (`dcr-…`). */
  KUBETRAIL_DCR_ID: requiredText("the immutable id of the data collection rule (dcr-…)").pipe(
    z.string().regex(/^dcr-[0-9a-f]{32}$/i, { error: "must be a DCR immutable id: dcr- and 32 hex digits" }),
  ),
  /** The DCR stream incidents are sent to. */
  KUBETRAIL_STREAM: z.preprocess(blankIsUnset, z.string().trim().default(DEFAULT_STREAM)),
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
