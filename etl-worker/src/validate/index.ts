// `@spotify-pipeline/etl-worker/validate`: the lake's validation rules for listening events, for
// readers that must accept and reject exactly what the lake does (insights-service). Importing this
// starts nothing and loads no Parquet engine.
export { EventValidator, type LineVerdict, type ExtraColumnType } from './event-validator.js';
export { EventTimeBounds, DEFAULT_EVENT_TIME_WINDOW, type EventTimeWindow } from './event-time-window.js';
export { REJECT_REASONS, REJECT_REASON_CODES, type RejectReason } from './reasons.js';
