export { loadConfig, envName, type Env } from './load-config.js';
export { envBool, envEnum, envInt, envList, envString } from './env-schema.js';
export { envVariables, readableAmount, type EnvVariable } from './env-variables.js';
export { configHelp, variableSummary } from './config-help.js';
export { httpSettingsSchema, logSettingsSchema, storageSettingsSchema, tableSpecSettingsSchema, topicSettingsSchema, type StorageSettings, type TableSpecSettings, type TopicSettings } from './common.js';
