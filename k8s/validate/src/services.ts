/** The five deployables, their folders and ops ports (HTTP_PORT): the facts every check compares against. */
export const PIPELINE_SERVICES = [
  { name: 'producer-service', port: 9461 },
  { name: 'consumer-service', port: 9462 },
  { name: 'etl-worker', port: 9463 },
  { name: 'catalog-sync', port: 9464 },
  { name: 'insights-service', port: 9465 },
] as const;
