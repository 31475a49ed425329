import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configSchema, loadConfig, ConfigError, parseApiKeys } from '../../src/config/index.js';
import { parseArgs, flagForVariable, UsageError } from '../../src/cli/args.js';

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config.DIFFSCOPE_API_PORT).toBe(8080);
    expect(config.DIFFSCOPE_EXPLORER_PORT).toBe(16686);
    expect(config.DIFFSCOPE_OTLP_PORT).toBe(4318);
    expect(config.DIFFSCOPE_QUEUE).toBe('sqlite');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable with the value it got', () => {
    try {
      loadConfig({ DIFFSCOPE_API_PORT: '99999', DIFFSCOPE_QUEUE: 'kafka' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('DIFFSCOPE_API_PORT');
      expect(message).toContain('"99999"');
      expect(message).toContain('DIFFSCOPE_QUEUE');
      expect((error as ConfigError).issues).toHaveLength(2);
    }
  });

  it('rejects unknown DIFFSCOPE_ variables (typos) and malformed API keys', () => {
    expect(() => loadConfig({ DIFFSCOPE_API_PROT: '1' })).toThrow(/DIFFSCOPE_API_PROT: unknown setting/);
    expect(() => loadConfig({ DIFFSCOPE_API_KEYS: 'no-client' })).toThrow(/DIFFSCOPE_API_KEYS/);
  });

  it('parses API keys into key → client', () => {
    expect([...parseApiKeys('k1:alice, k2:bob')]).toEqual([
      ['k1', 'alice'],
      ['k2', 'bob'],
    ]);
  });

  it('documents every setting in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const variable of Object.keys(configSchema.shape)) expect(doc, variable).toContain('`' + variable + '`');
  });
});

describe('CLI flags', () => {
  it('map one-to-one onto the settings', () => {
    expect(flagForVariable('DIFFSCOPE_API_PORT')).toBe('--api-port');
    const parsed = parseArgs(['api', '--api-port', '9000', '--queue=redis']);
    expect(parsed.command).toBe('api');
    expect(parsed.overrides).toEqual({ DIFFSCOPE_API_PORT: '9000', DIFFSCOPE_QUEUE: 'redis' });
    expect(loadConfig({}, parsed.overrides).DIFFSCOPE_API_PORT).toBe(9000);
  });

  it('reject unknown flags and missing values clearly', () => {
    expect(() => parseArgs(['api', '--nope', '1'])).toThrow(UsageError);
    expect(() => parseArgs(['api', '--api-port'])).toThrow(/needs a value/);
  });
});
