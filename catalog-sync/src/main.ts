#!/usr/bin/env node
// The only file of catalog-sync that touches `process`.
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

void runService(process, {
  service: 'catalog-sync',
  loadConfig: readConfig,
  logLevel: (config) => config.log.level,
  build: buildApp,
});
