#!/usr/bin/env node
// The only file of producer-service that touches `process`.
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

void runService(process, {
  service: 'producer-service',
  loadConfig: readConfig,
  logLevel: (config) => config.log.level,
  build: buildApp,
});
