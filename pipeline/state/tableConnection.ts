/**
 * Builds TableClients: from a connection string (Azurite, or an account in a pinch) or from an https
 * endpoint with a token credential (managed identity in Azure, DefaultAzureCredential). Every request
 * gets a timeout, which the SDK does not set by itself, and the SDK's retry policy for 5xx and
 * connection errors.
 */
import type { TokenCredential } from "@azure/core-auth";
import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { ResolvedRetry } from "./retry.js";

type PipelinePolicy = NonNullable<TableServiceClientOptions["additionalPolicies"]>[number]["policy"];

export type TableConnection =
  | { readonly connectionString: string }
  | {
      /** `https://<account>.table.core.windows.net` */
      readonly endpoint: string;
      readonly credential: TokenCredential;
    };

/** `http://` Azurite connection strings need the SDK's permission to send over plain HTTP. */
function isPlainHttp(connectionString: string): boolean {
  return /(^|;)\s*(DefaultEndpointsProtocol\s*=\s*http\s*(;|$)|TableEndpoint\s*=\s*http:\/\/)/i.test(connectionString);
}

function timeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: "kubetrailRequestTimeout",
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      return next(request);
    },
  };
}

/** Sees every request that goes on the wire, SDK retries included: what the account bills as transactions. */
function countingPolicy(onRequest: () => void): PipelinePolicy {
  return {
    name: "kubetrailRequestCount",
    sendRequest(request, next) {
      onRequest();
      return next(request);
    },
  };
}

export function tableClient(connection: TableConnection, table: string, retry: ResolvedRetry, onRequest: () => void): TableClient {
  const options: TableServiceClientOptions = {
    retryOptions: { maxRetries: retry.sdkMaxRetries, retryDelayInMs: retry.sdkRetryDelayMs, maxRetryDelayInMs: retry.sdkMaxRetryDelayMs },
    additionalPolicies: [
      { policy: timeoutPolicy(retry.requestTimeoutMs), position: "perRetry" },
      { policy: countingPolicy(onRequest), position: "perRetry" },
    ],
  };
  if ("connectionString" in connection) {
    return TableClient.fromConnectionString(connection.connectionString, table, {
      ...options,
      allowInsecureConnection: isPlainHttp(connection.connectionString),
    });
  }
  if (!/^https:\/\//i.test(connection.endpoint)) {
    throw new Error("a Table endpoint used with a token credential must be https:// (use a connection string for Azurite)");
  }
  return new TableClient(connection.endpoint.replace(/\/+$/, ""), table, connection.credential, options);
}
