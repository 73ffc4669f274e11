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
