import type { StartedTestContainer } from 'testcontainers';

/**
 * With a Docker engine: Redpanda and MinIO through testcontainers. Host ports are chosen up front
 * and fixed, so the advertised Kafka address is right from the start and survives a restart.
 * testcontainers is imported lazily: machines without Docker never load it.
 */
export async function startRedpanda(hostPort: number): Promise<StartedTestContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  return new GenericContainer(process.env.TESTKIT_REDPANDA_IMAGE ?? 'docker.redpanda.com/redpandadata/redpanda:v24.3.6')
    .withExposedPorts({ container: 9092, host: hostPort })
    .withCommand([
      'redpanda',
      'start',
      '--mode',
      'dev-container',
      '--smp',
      '1',
      '--kafka-addr',
      'PLAINTEXT://0.0.0.0:9092',
      '--advertise-kafka-addr',
      `PLAINTEXT://127.0.0.1:${hostPort}`,
    ])
    .withWaitStrategy(Wait.forLogMessage(/Successfully started Redpanda!/))
    .start();
}

export async function startMinio(hostPort: number, accessKeyId: string, secretAccessKey: string): Promise<StartedTestContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  return new GenericContainer(process.env.TESTKIT_MINIO_IMAGE ?? 'minio/minio:RELEASE.2025-04-22T22-12-26Z')
    .withExposedPorts({ container: 9000, host: hostPort })
    .withEnvironment({ MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey })
    .withCommand(['server', '/data'])
    .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000))
    .start();
}

/**
 * A URL as a container sees it: the host's loopback is host.testcontainers.internal there, and the
 * port must be exposed to containers first. Other hosts (a real S3) are reachable as they are.
 */
export async function containerView(url: string): Promise<string> {
  const parsed = new URL(url);
  if (!['127.0.0.1', 'localhost'].includes(parsed.hostname)) return url;
  const { TestContainers } = await import('testcontainers');
  await TestContainers.exposeHostPorts(Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)));
  parsed.hostname = 'host.testcontainers.internal';
  return parsed.toString().replace(/\/$/, '');
}

/** Apache Iceberg's REST catalog fixture image, its SQLite catalog in a file so a container restart keeps tables. */
export async function startIcebergRestContainer(hostPort: number, env: Record<string, string>): Promise<StartedTestContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  return new GenericContainer(process.env.TESTKIT_ICEBERG_REST_IMAGE ?? 'apache/iceberg-rest-fixture:1.10.0')
    .withExposedPorts({ container: 8181, host: hostPort })
    .withEnvironment(env)
    .withWaitStrategy(Wait.forHttp('/v1/config', 8181))
    .start();
}

/** Trino with one catalog file; the image's JVM settings and bundled catalogs stay as they are. */
export async function startTrinoContainer(hostPort: number, catalogFile: { name: string; content: string }): Promise<StartedTestContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  return new GenericContainer(process.env.TESTKIT_TRINO_IMAGE ?? 'trinodb/trino:476')
    .withExposedPorts({ container: 8080, host: hostPort })
    .withCopyContentToContainer([{ content: catalogFile.content, target: `/etc/trino/catalog/${catalogFile.name}.properties` }])
    .withWaitStrategy(Wait.forLogMessage(/SERVER STARTED/))
    .withStartupTimeout(180_000)
    .start();
}
