/** Shared helpers for the telemetry tests (not a test file itself). */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger, type Logger, type LoggerOptions } from '../../src/telemetry/index.js';

export interface CapturedLogger {
  logger: Logger;
  /** Raw lines as written (each ends with \n). */
  raw: string[];
  /** Parsed records. */
  records(): Record<string, unknown>[];
}

export function captureLogger(options: Partial<LoggerOptions> = {}): CapturedLogger {
  const raw: string[] = [];
  const logger = createLogger({
    service: 'test-service',
    instanceId: 'test-instance-1',
    version: '9.9.9',
    level: 'debug',
    ...options,
    destination: { write: (s: string) => raw.push(s) },
  });
  return { logger, raw, records: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

let exporter: InMemorySpanExporter | undefined;

/** A real in-process tracer provider (in-memory exporter), once per worker; the library itself registers the context manager. */
export function setupTracing(): InMemorySpanExporter {
  if (exporter === undefined) {
    exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  }
  return exporter;
}

export const HEX32 = /^[0-9a-f]{32}$/;
export const HEX16 = /^[0-9a-f]{16}$/;
export const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
