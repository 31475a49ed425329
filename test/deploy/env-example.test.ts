/**
 * deploy/diffscope.env.example is a configuration the services accept: read the way systemd reads
 * an EnvironmentFile (KEY=value lines, `#` comments) and loaded through the real schema, and it
 * describes the fleet of docs/deploy.md (shared queue, PostgreSQL state, S3, OTLP to a collector).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../src/config/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    expect(eq, `not KEY=value: ${line}`).toBeGreaterThan(0);
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

describe('deploy/diffscope.env.example', () => {
  const env = readEnvFile(join(ROOT, 'deploy', 'diffscope.env.example'));

  it('passes the configuration schema (the check each service runs at start)', () => {
    const config = loadConfig(env, {});
    expect(config.DIFFSCOPE_QUEUE).toBe('redis');
    expect(config.DIFFSCOPE_STATE).toBe('postgres');
    expect(config.DIFFSCOPE_STORAGE).toBe('s3');
    expect(config.DIFFSCOPE_S3_BUCKET).toBeTruthy();
    expect(config.DIFFSCOPE_API_HOST).toBe('0.0.0.0');
    expect(config.DIFFSCOPE_EXPLORER_TOKEN).toBeTruthy();
  });

  it('names only real variables, and leaves the per-unit ones to the units', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of Object.keys(env)) {
      expect(name.startsWith('DIFFSCOPE_') ? known.has(name) : /^(OTEL|AWS)_/.test(name), name).toBe(true);
    }
    // EnvironmentFile= wins over a unit's Environment=: these would override every unit's own value.
    for (const perUnit of ['DIFFSCOPE_METRICS_PORT', 'DIFFSCOPE_DATA_DIR', 'DIFFSCOPE_INSTANCE_ID', 'OTEL_SERVICE_NAME'])
      expect(env).not.toHaveProperty(perUnit);
  });

  it('sends telemetry over OTLP to a collector', () => {
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^http:\/\/[^/]+:4318$/);
  });

  it('the commented RabbitMQ alternative is valid too', () => {
    const text = readFileSync(join(ROOT, 'deploy', 'diffscope.env.example'), 'utf8');
    const amqp = /^#DIFFSCOPE_AMQP_URL=(.+)$/m.exec(text)![1];
    expect(loadConfig({ ...env, DIFFSCOPE_QUEUE: 'rabbitmq', DIFFSCOPE_AMQP_URL: amqp }, {}).DIFFSCOPE_QUEUE).toBe('rabbitmq');
  });
});
