#!/usr/bin/env node
// The only file of consumer-service that touches `process`.
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

void runService(process, {
  service: 'consumer-service',
  loadConfig: readConfig,
  logLevel: (config) => config.log.level,
  build: buildApp,
});
