/**
 * A local stand-in for the managed identity endpoint that App Service and Functions give an app
 * (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, API 2019-08-01), so that a child process's real
 * DefaultAzureCredential gets its token exactly as the deployed Function does. Plain HTTP on 127.0.0.1,
 * like the real one inside the sandbox.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenRequest {
  readonly resource: string | null;
  readonly apiVersion: string | null;
}

export class IdentityEndpoint {
  readonly requests: TokenRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly header: string,
    readonly token: string,
  ) {}

  static async start(token = "mi-token-for-tests"): Promise<IdentityEndpoint> {
    const header = "identity-header-for-tests";
    let endpoint: IdentityEndpoint | undefined;
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      endpoint?.requests.push({ resource: url.searchParams.get("resource"), apiVersion: url.searchParams.get("api-version") });
      if (request.headers["x-identity-header"] !== header) {
        response.writeHead(401).end();
        return;
      }
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ access_token: token, expires_on: String(expiresOn), resource: url.searchParams.get("resource"), token_type: "Bearer" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = new IdentityEndpoint(server, header, token);
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/msi/token`;
  }

  /** The environment that makes DefaultAzureCredential use this endpoint. */
  get env(): Record<string, string> {
    return { IDENTITY_ENDPOINT: this.url, IDENTITY_HEADER: this.header };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
