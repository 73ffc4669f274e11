#!/usr/bin/env node
// The only files of consumer-service that touch `process`: this one and sink-worker.ts (a consumer
// of a process with SINK_CONSUMERS > 1).
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { configSchema, readConfig } from './config.js';
import { buildSupervisor } from './workers/supervisor.js';

void runService(
  process,
  {
    service: 'consumer-service',
    configSchema,
    loadConfig: readConfig,
    logLevel: (config) => config.log.level,
    // One consumer runs in this process, as always; more run as child processes under a supervisor.
    build: (config, context) =>
      config.sink.consumers > 1
        ? buildSupervisor(config, context, { env: process.env, execArgv: process.execArgv, instanceId: process.env.PIPELINE_INSTANCE_ID })
        : buildApp(config, context),
  },
  process.argv.slice(2),
);
