import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const JVM_DIR = '/usr/lib/jvm';

/**
 * Trino 476 runs on Java 24+ only, while Kafka, S3Proxy and the REST catalog use the machine's
 * Java 17: the Temurin 25 JDK installed beside it, or the JDK named by TESTKIT_JAVA25_HOME.
 */
export function java25Binary(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.TESTKIT_JAVA25_HOME;
  if (given) {
    const java = join(given, 'bin', 'java');
    if (!existsSync(java)) throw new Error(`TESTKIT_JAVA25_HOME=${given} has no bin/java: point it at a JDK 25 home`);
    return java;
  }
  const found = existsSync(JVM_DIR)
    ? readdirSync(JVM_DIR)
        .filter((name) => name.startsWith('temurin-25'))
        .sort()
        .map((name) => join(JVM_DIR, name, 'bin', 'java'))
        .find((java) => existsSync(java))
    : undefined;
  if (!found) {
    throw new Error(
      `Trino needs Java 25, and no ${JVM_DIR}/temurin-25* JDK is installed: install Temurin 25 ` +
        '(apt-get install temurin-25-jdk from packages.adoptium.net) or set TESTKIT_JAVA25_HOME to a JDK 25 home',
    );
  }
  return found;
}
