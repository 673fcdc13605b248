/**
 * A self-signed TLS certificate for 127.0.0.1/localhost, generated at test time so no key material is
 * committed. Local HTTPS fakes need it because the Azure SDK only sends bearer tokens over https; the
 * client trusts it through `tlsOptions.ca`, never by disabling verification.
 */
import { generate } from "selfsigned";

export interface TestCertificate {
  /** Private key, PEM. */
  readonly key: string;
  /** Certificate, PEM; also the CA a client must trust. */
  readonly cert: string;
}

let cached: Promise<TestCertificate> | undefined;

/** The process-wide test certificate, generated on first use. */
export function testCertificate(): Promise<TestCertificate> {
  cached ??= createCertificate();
  return cached;
}

async function createCertificate(): Promise<TestCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
