import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';

export interface OAuthBearerToken {
  tokenValue: string;
  /** Absolute expiry, epoch milliseconds: librdkafka refreshes before it. */
  lifetime: number;
  principal: string;
}

export type MskTokenSigner = (options: { region: string }) => Promise<{ token: string; expiryTime: number }>;

/**
 * MSK IAM authentication: librdkafka speaks SASL/OAUTHBEARER and asks this callback for a token,
 * which is a SigV4-signed URL made from the default AWS credential chain (IRSA on EKS), so no
 * Kafka password exists anywhere.
 */
export function mskIamTokenRefresh(region: string, signer: MskTokenSigner = generateAuthToken): () => Promise<OAuthBearerToken> {
  return async () => {
    const { token, expiryTime } = await signer({ region });
    return { tokenValue: token, lifetime: expiryTime, principal: 'msk-iam' };
  };
}
