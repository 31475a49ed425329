/**
 * The explorer's SQLite schema. One row per span and per log record; resource attributes
 * (the same for every span of a process) are stored once in `resources`. Index choice
 * follows the queries: trace by id, search by service[/operation] newest first, duration
 * filters, the analysis's "latest inference spans", and retention by time.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS resources (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  attributes TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS spans (
  id INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT,
  flags INTEGER NOT NULL,
  trace_state TEXT,
  resource_id INTEGER NOT NULL,
  scope TEXT,
  attributes TEXT NOT NULL,
  events TEXT,
  links TEXT
);
CREATE INDEX IF NOT EXISTS spans_trace ON spans(trace_id);
CREATE INDEX IF NOT EXISTS spans_service_time ON spans(service, start_us);
CREATE INDEX IF NOT EXISTS spans_service_name_time ON spans(service, name, start_us);
CREATE INDEX IF NOT EXISTS spans_name_time ON spans(name, start_us);
CREATE INDEX IF NOT EXISTS spans_service_duration ON spans(service, duration_us);
CREATE INDEX IF NOT EXISTS spans_time ON spans(start_us);

CREATE TABLE IF NOT EXISTS operations (
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  PRIMARY KEY (service, name, kind)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  level TEXT NOT NULL,
  service TEXT NOT NULL,
  event TEXT,
  trace_id TEXT,
  span_id TEXT,
  request_id TEXT,
  body TEXT,
  attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  scope TEXT
);
CREATE INDEX IF NOT EXISTS logs_time ON logs(time_us);
CREATE INDEX IF NOT EXISTS logs_trace ON logs(trace_id, span_id) WHERE trace_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS logs_request ON logs(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS logs_service_time ON logs(service, time_us);

-- Contentless with delete support: the text lives once (in logs), and retention can
-- delete index entries by rowid without re-supplying the old values.
CREATE VIRTUAL TABLE IF NOT EXISTS logs_fts USING fts5(body, attributes, content='', contentless_delete=1);
`;
