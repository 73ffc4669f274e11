/**
 * S3_REQUEST_TIMEOUT_MS against a server that accepts a connection and then goes silent (a
 * blackhole), before the headers and half-way through a body: the request fails as a retriable
 * TimeoutError instead of hanging the stage. With the handler's `requestTimeout` alone (what the
 * client used before) the first case only logged a warning and the request hung.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { classifyS3Error, createS3Client } from '@spotify-pipeline/shared/s3';

type Behaviour = 'silent' | 'stalls-mid-body';

async function server(behaviour: Behaviour): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      if (behaviour === 'stalls-mid-body') socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"half":');
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => srv.close(() => resolve()));
    },
  };
}

const settings = (endpoint: string) => ({ endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'k', secretAccessKey: 's', connectionTimeoutMs: 1_000, requestTimeoutMs: 500 });

describe('createS3Client timeouts', () => {
  it.each<Behaviour>(['silent', 'stalls-mid-body'])('a GetObject from a server that is %s fails as a retriable timeout within S3_REQUEST_TIMEOUT_MS', async (behaviour) => {
    const srv = await server(behaviour);
    const client = createS3Client(settings(srv.url), 1);
    const started = Date.now();
    try {
      const err = await (async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k.json' }));
        await res.Body!.transformToString();
      })().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      const elapsed = Date.now() - started;
      expect(err).toBeDefined();
      expect(err!.name).toBe('TimeoutError');
      expect(elapsed).toBeGreaterThanOrEqual(400);
      expect(elapsed).toBeLessThan(5_000);
      const classified = classifyS3Error(err, 'GetObject');
      expect({ code: classified.code, retriable: classified.retriable }).toEqual({ code: 'S3_UNAVAILABLE', retriable: true });
    } finally {
      client.destroy();
      await srv.close();
    }
  }, 15_000);

  it('reports each call\'s outcome to onOutcome: a timeout as a failure, so readiness can show a hung S3', async () => {
    const srv = await server('silent');
    const outcomes: boolean[] = [];
    const client = createS3Client(settings(srv.url), 1, { onOutcome: (ok) => outcomes.push(ok) });
    try {
      await expect(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k.json' }))).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(outcomes).toEqual([false]);
    } finally {
      client.destroy();
      await srv.close();
    }
  }, 15_000);
});
