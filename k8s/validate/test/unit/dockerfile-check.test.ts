import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkDockerfile, checkDockerfiles, instantiateDockerfile } from '../../src/dockerfile-check';

const repoRoot = path.resolve(__dirname, '../../../..');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'dockerfile-check-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('Dockerfile contract', () => {
  const template = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const good = instantiateDockerfile(template, { SERVICE: 'consumer-service', HTTP_PORT: '9462' });

  it('accepts the repository Dockerfile, instantiated for each service', () => {
    expect(checkDockerfiles(repoRoot)).toEqual({ covered: 5, findings: [] });
    expect(good).toContain('-w shared -w consumer-service');
    expect(good).not.toContain('SERVICE}');
  });

  it('rejects a stage that uses a build arg it does not declare, and an instance built for another service', () => {
    const dir = path.join(scratch, 'dockerfile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile'), template.replace(/(FROM \$\{NODE_IMAGE\} AS runtime\n)ARG SERVICE\n/, '$1').replace('--omit=dev --no-audit --no-fund -w shared -w ${SERVICE} ', '--omit=dev --no-audit --no-fund -w shared -w consumer-service '));
    const messages = checkDockerfiles(dir).findings.map((f) => `${f.file}: ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('stage "${NODE_IMAGE} AS runtime" uses ${SERVICE} without declaring ARG SERVICE'),
        expect.stringMatching(/SERVICE=etl-worker\): production dependencies must come from `npm ci --omit=dev ... -w etl-worker`/),
      ]),
    );
  });

  it('rejects an instance whose build stage lacks the sources of a workspace the service imports', () => {
    const dir = path.join(scratch, 'workspaces');
    mkdirSync(path.join(dir, 'insights-service'), { recursive: true });
    writeFileSync(path.join(dir, 'insights-service/package.json'), JSON.stringify({ dependencies: { '@spotify-pipeline/shared': '0.1.0', '@spotify-pipeline/catalog-sync': '0.1.0' } }));
    const without = template.replace('COPY catalog-sync/src catalog-sync/src\n', '');
    expect(without).not.toBe(template);
    writeFileSync(path.join(dir, 'Dockerfile'), without);
    expect(checkDockerfiles(dir).findings.map((f) => `${f.file}: ${f.message}`)).toEqual([
      `${path.join(dir, 'Dockerfile')} (SERVICE=insights-service): insights-service imports the catalog-sync workspace: the build stage must COPY catalog-sync/tsconfig.json and catalog-sync/src, or tsc -b cannot compile it`,
    ]);
    writeFileSync(path.join(dir, 'Dockerfile'), template);
    expect(checkDockerfiles(dir).findings).toEqual([]);
  });

  it('rejects a shell-form CMD, a root user, a missing HEALTHCHECK, the wrong port and a non-LTS base', () => {
    const broken = good
      .replace('CMD ["node", "dist/main.js"]', 'CMD node dist/main.js')
      .replace('USER 1000:1000', 'USER root')
      .replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '')
      .replace('EXPOSE 9462', 'EXPOSE 8080')
      .replace('HTTP_PORT=9462', 'HTTP_PORT=8080')
      .replace('ARG NODE_IMAGE=node:22-bookworm-slim', 'ARG NODE_IMAGE=node:23-bookworm');
    const messages = checkDockerfile('Dockerfile', broken, 'consumer-service', 9462).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('CMD must be the exec form'),
        expect.stringContaining('non-root USER'),
        expect.stringContaining('HEALTHCHECK on /healthz'),
        'must EXPOSE 9462',
        expect.stringContaining('current Node LTS slim image'),
      ]),
    );
  });
});
