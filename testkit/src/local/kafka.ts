import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KafkaAdmin } from '@spotify-pipeline/shared/kafka';
import { ensureJars } from './jars.js';
import { kafkaClusterId } from './kafka-cluster-id.js';
import type { LocalLaunch } from './local-process.js';
import { freePorts } from './processes.js';
import type { ProcessRecord } from './state.js';

const run = promisify(execFile);

/** Apache Kafka 4.x needs Java 17+; `java` on PATH is the machine's 17, JAVA_HOME wins when set. */
export function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/**
 * A single-node KRaft broker (broker + controller in one JVM) sized for a laptop: internal topics
 * with replication 1 and few partitions, so the first transaction does not wait for 50 partitions.
 */
export function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dataDir, 'logs')}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=6',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'message.max.bytes=10485760',
    // Tests produce bursts; keep the broker's own memory modest on a 2-core machine.
    'num.network.threads=2',
    'num.io.threads=4',
    'log.segment.bytes=67108864',
    // Backfills and replays stamp records with their event time (years ago for real exports):
    // time-based retention would delete them mid-test, so the local broker keeps everything.
    'log.retention.ms=-1',
    '',
  ].join('\n');
}

export async function prepareKafka(stateDir: string): Promise<LocalLaunch> {
  const classpathDir = await ensureJars('kafka');
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  const dataDir = join(stateDir, 'kafka');
  await mkdir(dataDir, { recursive: true });
  const configFile = join(dataDir, 'server.properties');
  await writeFile(configFile, serverProperties(port, controllerPort, join(dataDir, `run-${port}`)));
  const classpath = `${classpathDir}/*`;
  await formatStorage(classpathDir, kafkaClusterId(), configFile);
  return {
    command: javaBinary(),
    args: [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      classpath,
      'kafka.Kafka',
      configFile,
    ],
    dataDir,
    logFile: join(dataDir, 'broker.log'),
    port,
    controllerPort,
  };
}

/**
 * `kafka-storage format`: writes meta.properties with the cluster id into every log dir of the
 * config. Rejects with the tool's output when it refuses (an id it reads as an option, for one).
 */
export async function formatStorage(classpathDir: string, clusterId: string, configFile: string): Promise<void> {
  await run(javaBinary(), ['-cp', `${classpathDir}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configFile], {
    maxBuffer: 4 * 1024 * 1024,
  });
}

/** Ready means a metadata request is answered, not merely that the port accepts connections. */
export async function kafkaReady(record: Pick<ProcessRecord, 'port'>): Promise<boolean> {
  const admin = KafkaAdmin.create({ brokers: [`127.0.0.1:${record.port}`], securityProtocol: 'PLAINTEXT', requestTimeoutMs: 3_000 }, 'testkit-probe');
  try {
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    admin.close();
  }
}
