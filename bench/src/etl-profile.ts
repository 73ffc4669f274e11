// Splits the worker's time into its stages (prepare = gunzip + validate, write = DuckDB + store).
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createEtlMetrics, DirectoryLakeStore, DuckDbEncoder, EventValidator, LakeObjectWriter, StagedObjectPreparer } from '@spotify-pipeline/etl-worker/processing';
import { writeStagedObjects } from './etl-data.js';

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-etl-profile-'));
  const stagedDir = join(work, 'staged');
  await mkdir(stagedDir);
  const manifests = await writeStagedObjects(stagedDir, Number(process.env.ETL_BENCH_EVENTS ?? 200_000), 50_000);
  const preparer = new StagedObjectPreparer({ open: async (m) => createReadStream(join(stagedDir, m.key)) }, new EventValidator(), () => encoder.tempPath('.ndjson'));
  const encoder = await DuckDbEncoder.create({ threads: 0, memoryLimitMb: 1024, rowGroupRows: 122_880 });
  const writer = new LakeObjectWriter(encoder, new DirectoryLakeStore(join(work, 'lake')), { dlq: 'dlq' }, createEtlMetrics(createRegistry('p', false)), pino({ level: 'silent' }));
  let t = performance.now();
  const prepared = [];
  for (const m of manifests) prepared.push(await preparer.prepare(m));
  const prepareS = (performance.now() - t) / 1000;
  t = performance.now();
  for (const p of prepared) await writer.write(p);
  const writeS = (performance.now() - t) / 1000;
  const rows = prepared.reduce((s, p) => s + p.lineCount, 0);
  console.log(`prepare ${prepareS.toFixed(2)} s (${Math.round(rows / prepareS)} rows/s), write ${writeS.toFixed(2)} s (${Math.round(rows / writeS)} rows/s)`);
  await encoder.close();
  await rm(work, { recursive: true, force: true });
}
void main();
