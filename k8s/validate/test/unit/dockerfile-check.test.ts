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
    expect(checkDockerfiles(repoRoot)).toEqual({ covered: 4, findings: [] });
    expect(good).toContain('-w shared -w consumer-service');
    expect(good).not.toContain('SERVICE}');
  });

  it('rejects a stage that uses a build arg it does not declare, and an instance built for another service', () => {
    const dir = path.join(scratch, 'dockerfile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile'), template.replace(/(FROM \$\{NODE_IMAGE\} AS runtime\n)ARG SERVICE\n/, '$1').replace('-w shared -w ${SERVICE} \\', '-w shared -w consumer-service \\'));
    const messages = checkDockerfiles(dir).findings.map((f) => `${f.file}: ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('stage "${NODE_IMAGE} AS runtime" uses ${SERVICE} without declaring ARG SERVICE'),
        expect.stringMatching(/SERVICE=etl-worker\): production dependencies must come from `npm ci --omit=dev ... -w etl-worker`/),
      ]),
    );
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
