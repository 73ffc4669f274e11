import { z } from 'zod';
import { envEnum, envInt, envString } from '../config/env-schema.js';

export const ICEBERG_CATALOGS = ['rest', 'glue'] as const;
export type IcebergCatalogKind = (typeof ICEBERG_CATALOGS)[number];

/**
 * `ICEBERG_*`: the catalog the lake's Iceberg tables are committed to. One REST client serves
 * both: Apache Iceberg's REST catalog (local, compose, or any REST catalog), and on AWS the Glue
 * Data Catalog's Iceberg REST endpoint (SigV4-signed, credentials from IRSA).
 */
export const icebergSettingsSchema = z
  .strictObject({
    catalog: envEnum(ICEBERG_CATALOGS, 'rest (an Iceberg REST catalog at ICEBERG_REST_URI) or glue (the Glue Data Catalog)').default('rest'),
    restUri: envString('base URI of the Iceberg REST catalog (rest), e.g. http://127.0.0.1:8181; glue defaults to the AWS endpoint of ICEBERG_REGION').optional(),
    warehouse: envString('warehouse passed to the catalog: the AWS account id (glue); optional for rest').optional(),
    namespace: envString('namespace (Glue database) of the lake tables').default('spotify_lake'),
    region: envString('AWS region of the Glue endpoint (default: S3_REGION)').optional(),
    requestTimeoutMs: envInt('give up on one catalog request after this many ms', 100).default(30_000),
  })
  // Checked with the rest of the config, so a Glue catalog without its account id stops the
  // service at start (exit 78, one line) rather than when the catalog client is first built.
  .superRefine((s, ctx) => {
    if (s.catalog === 'glue' && !s.warehouse) ctx.addIssue({ code: 'custom', path: ['warehouse'], message: 'required when ICEBERG_CATALOG=glue' });
  });

export type IcebergSettings = z.output<typeof icebergSettingsSchema>;
