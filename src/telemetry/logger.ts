/**
 * The structured logger: pino underneath, one JSON object per line, field names per
 * the contract (src/contract/log-fields.ts). Hot-path choices (measured by bench/telemetry/log-line.bench.ts):
 * - level labels, `service`/`instance_id`/`version` and child bindings are serialised once by
 *   pino (lsCache, chindings); a disabled level returns before any work;
 * - the timestamp string is rebuilt at most once per millisecond;
 * - request/trace context is appended as a cached string fragment through pino's streamWrite
 *   hook instead of a mixin object that pino would have to merge and walk on every line.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import type { LogEventName } from '../contract/index.js';
import { contextFragment, SKIP_CLIENT_ID, SKIP_REQUEST_ID, SKIP_TRACE, SpanFragments } from './log-context.js';
import { environmentFromEnv, lineFormat, type LineFormat, type LogFormat } from './log-formats/index.js';
import { addAttributes, emitOtelLogRecord } from './otel-log-bridge.js';
import { pinoRedactPaths, REDACTED, redactSecrets } from './redaction.js';
import { defaultInstanceId, serviceVersion, telemetryState } from './state.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/**
 * Event names are the catalogue's (src/contract/log-events.ts): a name that is not catalogued
 * does not compile. Catalogue a new event there, with its fields, before logging it.
 */
export interface Logger {
  debug(event: LogEventName, fields?: LogFields): void;
  info(event: LogEventName, fields?: LogFields): void;
  warn(event: LogEventName, fields?: LogFields): void;
  /** `fields.err` (an Error) becomes `error.type` / `error.message` / `error.stack` (+ `error.code`). */
  error(event: LogEventName, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  service: string;
  /** Default: the SDK's `service.instance.id`, else `<hostname>-<pid>`. */
  instanceId?: string;
  /** Default: package.json version. */
  version?: string;
  level?: LogLevel;
  /** Default: stdout (synchronous, so nothing is lost on exit). */
  destination?: NodeJS.WritableStream | { write(s: string): unknown };
  /** Line format (DIFFSCOPE_LOG_FORMAT): `seed` (default), `ecs`, `datadog`, `gcp` (src/telemetry/log-formats/). */
  format?: LogFormat;
  /** Google Cloud project for `gcp` lines. Default: GOOGLE_CLOUD_PROJECT. */
  gcpProjectId?: string;
  /** `dd.env` / `service.environment`. Default: `deployment.environment.name` in OTEL_RESOURCE_ATTRIBUTES, else DD_ENV. */
  environment?: string;
}

const LEVEL_NUM: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * The line-building state of one root logger, shared with its children the way pino shares its
 * hooks and timestamp function with them: the line format, the cached timestamp and the context
 * fragment waiting for the streamWrite hook. On the instance, so two loggers never see each other's pending line.
 */
class LineState {
  readonly format: LineFormat;
  readonly spans: SpanFragments;
  readonly #timestampOpen: string;
  /** The millisecond of the last line's timestamp (so the OTel record carries the same instant). */
  lastMs = -1;
  #lastTimestamp = '';

  constructor(format: LineFormat) {
    this.format = format;
    this.spans = new SpanFragments(format);
    this.#timestampOpen = `,"${format.timestampKey}":"`;
  }
  /**
   * Set by the log call just before pino serialises, read by the streamWrite hook of that same
   * synchronous call: pino offers no per-call raw-string slot, and this avoids a merge object.
   */
  pendingFragment = '';

  /** pino `timestamp`: `,"timestamp":"2026-01-01T00:00:00.000Z"` (the format's key), rebuilt only when the ms changes. */
  readonly timestamp = (): string => {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.#lastTimestamp = this.#timestampOpen + new Date(now).toISOString() + '"';
    }
    return this.#lastTimestamp;
  };

  /** pino `hooks.streamWrite`: appends the pending context fragment to the serialised line. */
  readonly streamWrite = (line: string): string => {
    const fragment = this.pendingFragment;
    if (fragment !== '') {
      this.pendingFragment = '';
      // pino lines end with `}\n`.
      line = line.slice(0, -2) + fragment + '}\n';
    }
    return line;
  };
}

function skipMaskOf(fields: LogFields): number {
  let mask = 0;
  if (fields.request_id !== undefined) mask |= SKIP_REQUEST_ID;
  if (fields.client_id !== undefined) mask |= SKIP_CLIENT_ID;
  if (fields.trace_id !== undefined) mask |= SKIP_TRACE;
  return mask;
}

function errorName(err: Error): string {
  return err.name && err.name !== 'Error' ? err.name : (err.constructor?.name ?? 'Error');
}

/** `err` → flat `error.*` keys (never the Error object itself: its own properties could carry anything). */
function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const out: LogFields = { 'error.type': errorName(err), 'error.message': err.message, 'error.stack': err.stack };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out['error.code'] = code;
    if (err.cause instanceof Error) {
      out['error.cause.type'] = errorName(err.cause);
      out['error.cause.message'] = err.cause.message;
    }
    return out;
  }
  return { 'error.type': typeof err, 'error.message': String(err) };
}

/** A copy of `fields` with the format's renames applied, or `fields` itself when none applies. */
function renamed(fields: LogFields, renames: Readonly<Record<string, string>>): LogFields {
  let hit = false;
  for (const key in renames) {
    if (fields[key] !== undefined) {
      hit = true;
      break;
    }
  }
  if (!hit) return fields;
  const out: LogFields = {};
  for (const key of Object.keys(fields)) out[Object.hasOwn(renames, key) ? renames[key] : key] = fields[key];
  return out;
}

function withErrorFields(fields: LogFields): LogFields {
  const err = fields.err !== undefined ? fields.err : fields.error;
  const out: LogFields = {};
  for (const key of Object.keys(fields)) {
    if (key === 'err' || (key === 'error' && fields.err === undefined)) continue;
    out[key] = fields[key];
  }
  return Object.assign(out, errorFields(err));
}

/** Any object-valued field? Then it gets the deep redaction pass (flat fields skip it). */
function hasNestedObject(fields: LogFields): boolean {
  for (const key in fields) {
    const v = fields[key];
    if (v !== null && typeof v === 'object') return true;
  }
  return false;
}

/**
 * Nested objects are of unknown shape (request bodies, job payloads): secrets and prompts at
 * any depth are masked. pino's redact paths still cover top-level keys and child bindings.
 */
function sanitize(fields: LogFields): LogFields {
  return hasNestedObject(fields) ? redactSecrets(fields, { prompts: 'mask' }) : fields;
}

const EMPTY: LogFields = Object.freeze({});
const LABEL_BY_NUM: Record<number, string> = { 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR' };

class DiffscopeLogger implements Logger {
  readonly #pino: PinoLogger;
  readonly #minLevel: number;
  /** Context keys fixed by child bindings, never injected again. */
  readonly #boundMask: number;
  /** Base + child bindings as OTel attributes (masked), for log-record mirroring. */
  readonly #otelBindings: Record<string, unknown>;
  /** The root logger's line state (children share it, as they share its pino hooks). */
  readonly #line: LineState;

  constructor(p: PinoLogger, line: LineState, minLevel: number, boundMask: number, otelBindings: Record<string, unknown>) {
    this.#pino = p;
    this.#line = line;
    this.#minLevel = minLevel;
    this.#boundMask = boundMask;
    this.#otelBindings = otelBindings;
  }

  #write(num: number, method: 'debug' | 'info' | 'warn' | 'error', event: string, fields: LogFields | undefined): void {
    if (num < this.#minLevel) return;
    let obj = fields ?? EMPTY;
    let mask = this.#boundMask;
    if (fields !== undefined) {
      if (fields.err !== undefined || fields.error instanceof Error) obj = withErrorFields(fields);
      obj = sanitize(obj);
      mask |= skipMaskOf(fields);
    }
    const line = this.#line;
    const format = line.format;
    let lineObj = obj;
    if (format.renames !== undefined && fields !== undefined) lineObj = renamed(obj, format.renames);
    const hasMessage = format.eventFragment !== undefined && typeof lineObj.message === 'string';
    line.pendingFragment = contextFragment(mask, line.spans);
    if (format.eventFragment !== undefined) line.pendingFragment += format.eventFragment(event, hasMessage);
    try {
      // ECS: a `message` field is the line's message (pino writes it from the object).
      if (format.messageFromField && hasMessage) this.#pino[method](lineObj);
      else this.#pino[method](lineObj, event);
    } finally {
      line.pendingFragment = '';
    }
    if (telemetryState().otelLogsEnabled) emitOtelLogRecord(LABEL_BY_NUM[num], line.lastMs, event, this.#otelBindings, obj);
  }

  debug(event: LogEventName, fields?: LogFields): void {
    this.#write(20, 'debug', event, fields);
  }
  info(event: LogEventName, fields?: LogFields): void {
    this.#write(30, 'info', event, fields);
  }
  warn(event: LogEventName, fields?: LogFields): void {
    this.#write(40, 'warn', event, fields);
  }
  error(event: LogEventName, fields?: LogFields): void {
    this.#write(50, 'error', event, fields);
  }

  child(bindings: LogFields): Logger {
    let b = bindings;
    if (b.err !== undefined || b.error instanceof Error) b = withErrorFields(b);
    b = sanitize(b);
    const otelBindings = { ...this.#otelBindings };
    addAttributes(otelBindings, b);
    const renames = this.#line.format.renames;
    const lineBindings = renames === undefined ? b : renamed(b, renames);
    return new DiffscopeLogger(this.#pino.child(lineBindings), this.#line, this.#minLevel, this.#boundMask | skipMaskOf(b), otelBindings);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return LEVEL_NUM[level] >= this.#minLevel;
  }
}

// The one piece of process-wide state here, on purpose: fd 1 is the process's, and one
// synchronous stream for every logger means lines never interleave mid-line.
let stdoutDestination: DestinationStream | undefined;

/** One synchronous stdout stream shared by every logger of the process. */
function defaultDestination(): DestinationStream {
  stdoutDestination ??= pino.destination({ fd: 1, sync: true });
  return stdoutDestination;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  if (LEVEL_NUM[level] === undefined) throw new TypeError(`createLogger: unknown level "${String(level)}"`);
  if (typeof options.service !== 'string' || options.service === '') throw new TypeError('createLogger: service is required');
  const destination = options.destination ?? defaultDestination();
  const base = {
    service: options.service,
    instance_id: options.instanceId ?? defaultInstanceId(),
    version: options.version ?? serviceVersion(),
  };
  const format = lineFormat(options.format ?? 'seed', {
    service: base.service,
    instanceId: base.instance_id,
    version: base.version,
    environment: options.environment ?? environmentFromEnv(),
    gcpProjectId: options.gcpProjectId ?? (process.env.GOOGLE_CLOUD_PROJECT || undefined),
  });
  const line = new LineState(format);
  const p = pino(
    {
      level,
      messageKey: format.messageKey,
      base: format.base,
      timestamp: line.timestamp,
      formatters: {
        level: (label: string) => format.levelFields(label),
      },
      redact: { paths: pinoRedactPaths(), censor: REDACTED },
      hooks: { streamWrite: line.streamWrite },
    },
    destination,
  );
  return new DiffscopeLogger(p, line, LEVEL_NUM[level], 0, { ...base });
}

/** A logger that drops everything (default for libraries given no logger). */
export const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return noopLogger;
  },
  isLevelEnabled() {
    return false;
  },
};
