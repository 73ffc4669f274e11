import { createHash, createHmac } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestSigner } from './rest-catalog.js';

/** node:crypto behind the SDK's hash interface (HMAC when a secret is given). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

/**
 * SigV4 for an AWS Iceberg REST endpoint: Glue's (`service: glue`). Credentials come from the
 * default chain (IRSA on EKS, env, profile).
 */
export function sigv4Signer(options: { region: string; service: 'glue' }): RequestSigner {
  const signer = new SignatureV4({ credentials: fromNodeProviderChain(), region: options.region, service: options.service, sha256: NodeSha256 as never });
  return async ({ method, url, headers, body }) => {
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => (query[key] = value));
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      ...(body === undefined ? {} : { body }),
    });
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(signed.headers)) if (key !== 'host') out[key] = String(value);
    return out;
  };
}
