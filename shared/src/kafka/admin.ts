import KafkaJs from '@confluentinc/kafka-javascript';
import type { IAdminClient } from '@confluentinc/kafka-javascript';
import { PipelineError } from '../errors/index.js';
import { classifyKafkaError } from './kafka-error.js';
import { type KafkaSettings, librdkafkaConfig } from './settings.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
}

const TOPIC_ALREADY_EXISTS = 36;

export class KafkaAdmin {
  private constructor(private readonly client: IAdminClient, private readonly timeoutMs: number) {}

  static create(settings: KafkaSettings, clientId: string): KafkaAdmin {
    const client = KafkaJs.AdminClient.create(librdkafkaConfig(settings, clientId) as never);
    return new KafkaAdmin(client, settings.requestTimeoutMs);
  }

  /** Creates each topic unless it exists; safe to run from every service at every start. */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      await new Promise<void>((resolve, reject) => {
        this.client.createTopic(
          {
            topic: spec.name,
            num_partitions: spec.partitions,
            replication_factor: spec.replicationFactor,
            config: spec.config ?? {},
          },
          this.timeoutMs,
          (err) => {
            if (!err || err.code === TOPIC_ALREADY_EXISTS) resolve();
            else reject(classifyKafkaError(err, `create topic ${spec.name}`, 'KAFKA_ADMIN_FAILED'));
          },
        );
      });
    }
  }

  async deleteTopic(name: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.client.deleteTopic(name, this.timeoutMs, (err) => {
        if (err) reject(classifyKafkaError(err, `delete topic ${name}`, 'KAFKA_ADMIN_FAILED'));
        else resolve();
      });
    });
  }

  async listTopics(): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.client.listTopics({ timeout: this.timeoutMs }, (err, topics) => {
        if (err) reject(classifyKafkaError(err, 'list topics', 'KAFKA_ADMIN_FAILED'));
        else if (!topics) reject(new PipelineError('KAFKA_ADMIN_FAILED', 'list topics returned nothing'));
        else resolve(topics);
      });
    });
  }

  close(): void {
    this.client.disconnect();
  }
}
