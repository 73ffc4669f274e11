/**
 * `npm run bench`: runs every benchmark in bench/src (each in its own process, against one shared
 * stack: Kafka, S3 and the Iceberg REST catalog; Trino is not needed) and writes bench/RESULTS.md
 * from their BENCH_RESULT lines. The file is produced by this command only; nothing in it is typed by hand.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { stackEnv, startIcebergCatalog, startKafka, startS3 } from '@spotify-pipeline/testkit';
import { RESULT_PREFIX, type BenchResult } from './lib/bench-result.js';

const BENCH_DIR = __dirname.endsWith('dist') ? join(__dirname, '..', 'src') : __dirname;
const EXCLUDED = new Set(['run-all.ts', 'index.ts']);

function benchmarks(filter: string[]): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !EXCLUDED.has(f))
    .filter((f) => filter.length === 0 || filter.some((name) => f.startsWith(name)))
    .sort();
}

function runOne(file: string, env: NodeJS.ProcessEnv): Promise<{ result?: BenchResult; output: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, file)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.once('exit', (code) => {
      const line = output.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      resolve({ result: line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult) : undefined, output, code });
    });
  });
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

function machine(): string[] {
  const cpu = cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout (e.g. a Docker build context): the commit stays unknown.
  }
  return [
    `- date: ${new Date().toISOString()}`,
    `- commit: ${commit}`,
    `- machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${osType()} ${release()}`,
    `- node ${process.version}`,
  ];
}

function render(results: Array<{ file: string; result?: BenchResult; code: number | null }>): string {
  const lines = ['# Benchmark results', '', 'Produced by `npm run bench` (bench/src/run-all.ts). Every ratio is against a baseline measured in the same run on the same machine.', '', ...machine(), ''];
  for (const { file, result, code } of results) {
    if (!result) {
      lines.push(`## ${file}`, '', `No result: the benchmark exited with code ${code}. See its output.`, '');
      continue;
    }
    lines.push(`## ${result.name}`, '', result.description, '', `| metric | ours | ${result.baselineLabel} | ratio | target |`, '|---|---|---|---|---|');
    for (const f of result.figures) lines.push(`| ${f.metric} | ${fmt(f.value)} | ${fmt(f.baseline)} | ${f.ratio.toFixed(2)} | ${f.target ?? ''} |`);
    lines.push('', `Peak RSS: ${result.peakRssMb} MB`, '');
    for (const note of result.notes ?? []) lines.push(`- ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const files = benchmarks(process.argv.slice(2));
  const kafka = await startKafka({ owner: 'cli' });
  const s3 = await startS3({ owner: 'cli' });
  const catalog = await startIcebergCatalog(s3, { owner: 'cli' });
  const env = { ...process.env, ...stackEnv(kafka, s3, { catalog }) };
  const results: Array<{ file: string; result?: BenchResult; code: number | null }> = [];
  for (const file of files) {
    console.log(`\n=== ${file} ===`);
    const { result, code } = await runOne(file, env);
    results.push({ file, result, code });
  }
  await catalog.stop();
  await Promise.all([kafka.stop(), s3.stop()]);
  const out = join(BENCH_DIR, '..', 'RESULTS.md');
  writeFileSync(out, render(results));
  console.log(`\nwrote ${out}`);
  return results.every((r) => r.result) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
