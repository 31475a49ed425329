/**
 * The systemd units of deploy/systemd/: accepted by `systemd-analyze verify` without a single
 * warning, hardened (`systemd-analyze security --offline` exposure at most 2.0 of 10), and in
 * step with the code they start: the ExecStart scripts exist, the command is a real service of
 * the CLI with the service name the CLI would give it, every DIFFSCOPE_* they set is a configuration
 * variable, and the exit code they refuse to restart on (78) is the one the CLI really exits with
 * on an invalid configuration.
 *
 * The units name the install locations (/usr/bin/node, /opt/diffscope); the copies checked here
 * have them replaced by this node and this checkout, so verify can stat the executable.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../src/config/index.js';
import { allInOneServices } from '../../src/cli/supervisor.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UNITS_DIR = join(ROOT, 'deploy', 'systemd');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const INSTALL_ROOT = '/opt/diffscope';
const INSTALL_NODE = '/usr/bin/node';
const MAX_EXPOSURE = 2.0;
const EX_CONFIG = 78;

type Unit = Map<string, string[]>;

/** `[Section]` + `Key=value` lines → "Section.Key" → values in order (keys may repeat). */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    unit.set(key, [...(unit.get(key) ?? []), line.slice(eq + 1)]);
  }
  return unit;
}

const one = (unit: Unit, key: string) => unit.get(key)?.at(-1);
const environment = (unit: Unit) =>
  new Map((unit.get('Service.Environment') ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

const unitFiles = readdirSync(UNITS_DIR)
  .filter((f) => f.endsWith('.service'))
  .sort();
const units = new Map(unitFiles.map((f) => [f, parseUnit(readFileSync(join(UNITS_DIR, f), 'utf8'))]));

describe('deploy/systemd units', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'diffscope-units-'));
    for (const file of unitFiles) {
      const text = readFileSync(join(UNITS_DIR, file), 'utf8').replaceAll(INSTALL_NODE, process.execPath).replaceAll(INSTALL_ROOT, ROOT);
      writeFileSync(join(dir, file), text);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ship one unit per service, the worker as a per-GPU template, and the all-in-one', () => {
    expect(unitFiles).toEqual([
      'diffscope-api.service',
      'diffscope-explorer.service',
      'diffscope-notifier.service',
      'diffscope-worker@.service',
      'diffscope.service',
    ]);
  });

  it('pass `systemd-analyze verify` with no warning at all', () => {
    const run = spawnSync(SYSTEMD_ANALYZE, ['verify', ...unitFiles.map((f) => join(dir, f))], { encoding: 'utf8', cwd: dir });
    expect(run.error).toBeUndefined();
    expect(run.stderr + run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('verify catches what it should here (a bad copy fails), so the clean run above means something', () => {
    const bad = join(dir, 'broken-copy');
    cpSync(join(dir, 'diffscope-api.service'), `${bad}.service`);
    writeFileSync(
      `${bad}.service`,
      readFileSync(`${bad}.service`, 'utf8')
        .replace('ProtectSystem=strict', 'ProtectSystem=stricter')
        .replace(process.execPath, '/nonexistent/node'),
    );
    const run = spawnSync(SYSTEMD_ANALYZE, ['verify', `${bad}.service`], { encoding: 'utf8', cwd: dir });
    rmSync(`${bad}.service`);
    expect(run.stderr).toContain('protect system value, ignoring: stricter');
    expect(run.stderr).toContain('/nonexistent/node');
    expect(run.status).not.toBe(0);
  });

  it.each(unitFiles)('%s is hardened: `systemd-analyze security` exposure ≤ 2.0', (file) => {
    const run = spawnSync(
      SYSTEMD_ANALYZE,
      ['security', '--offline=true', `--threshold=${Math.round(MAX_EXPOSURE * 10)}`, '--no-pager', join(dir, file)],
      {
        encoding: 'utf8',
        cwd: dir,
      },
    );
    const level = /Overall exposure level for \S+: (\d+\.\d)/.exec(run.stdout)?.[1];
    expect(level, run.stdout + run.stderr).toBeDefined();
    expect(Number(level)).toBeLessThanOrEqual(MAX_EXPOSURE);
    expect(run.status).toBe(0);
  });

  it.each(unitFiles)('%s: restart on failure but never on a configuration error; the baseline options', (file) => {
    const unit = units.get(file)!;
    expect(one(unit, 'Service.Restart')).toBe('on-failure');
    expect(one(unit, 'Service.RestartPreventExitStatus')?.split(/\s+/)).toContain(String(EX_CONFIG));
    expect(one(unit, 'Service.User')).toBe('diffscope');
    expect(one(unit, 'Service.NoNewPrivileges')).toBe('yes');
    expect(one(unit, 'Service.ProtectSystem')).toBe('strict');
    expect(one(unit, 'Service.ProtectHome')).toBe('yes');
    expect(one(unit, 'Service.PrivateTmp')).toBe('yes');
    expect(one(unit, 'Service.CapabilityBoundingSet')).toBe('');
    expect(one(unit, 'Service.KillMode')).toBe('mixed');
    expect(one(unit, 'Service.StateDirectory')).toBe('diffscope');
    expect(unit.get('Service.EnvironmentFile')?.[0]).toBe('/etc/diffscope/diffscope.env');
    expect(environment(unit).get('DIFFSCOPE_DATA_DIR')).toBe('%S/diffscope');
    expect(one(unit, 'Install.WantedBy')).toBe('multi-user.target');
  });

  it.each(unitFiles)('%s starts a real CLI service under the name the CLI gives it', (file) => {
    const unit = units.get(file)!;
    const [node, ...args] = one(unit, 'Service.ExecStart')!.split(/\s+/);
    expect(node).toBe(INSTALL_NODE);
    // dist/<x>.js is built from src/<x>.ts.
    for (const script of args.filter((a) => a.startsWith(INSTALL_ROOT))) {
      expect(
        existsSync(
          join(
            ROOT,
            script
              .slice(INSTALL_ROOT.length + 1)
              .replace(/^dist\//, 'src/')
              .replace(/\.js$/, '.ts'),
          ),
        ),
        script,
      ).toBe(true);
    }
    const command = args.at(-1)!;
    const services = allInOneServices(loadConfig({}, {}));
    const env = environment(unit);
    if (command === 'start') {
      expect(file).toBe('diffscope.service');
      expect(args).not.toContain('--import'); // the supervisor loads the hook into each child itself
      return;
    }
    const service = services.find((s) => s.command === command);
    expect(service, `${file} runs "${command}"`).toBeDefined();
    expect(args.slice(0, 2)).toEqual(['--import', `${INSTALL_ROOT}/dist/telemetry/register.js`]);
    expect(env.get('OTEL_SERVICE_NAME')).toBe(service!.serviceName);
    // What the all-in-one sets for a service beyond telemetry export (the explorer's SDK off) holds here too.
    if (service!.env?.OTEL_SDK_DISABLED) expect(env.get('OTEL_SDK_DISABLED')).toBe(service!.env.OTEL_SDK_DISABLED);
  });

  it('every DIFFSCOPE_* a unit sets is a configuration variable', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const [file, unit] of units) {
      for (const name of environment(unit).keys())
        if (name.startsWith('DIFFSCOPE_')) expect(known.has(name), `${file}: ${name}`).toBe(true);
    }
  });

  it('the worker template gives each GPU its own device, instance id and metrics port', () => {
    const env = environment(units.get('diffscope-worker@.service')!);
    expect(env.get('CUDA_VISIBLE_DEVICES')).toBe('%i');
    expect(env.get('DIFFSCOPE_INSTANCE_ID')).toContain('%i');
    expect(env.get('DIFFSCOPE_METRICS_PORT')).toContain('%i');
    // Instance 0…9 → a valid port.
    for (let gpu = 0; gpu <= 9; gpu++) {
      expect(() => loadConfig({}, { DIFFSCOPE_METRICS_PORT: env.get('DIFFSCOPE_METRICS_PORT')!.replace('%i', String(gpu)) })).not.toThrow();
    }
    // Instance-specific settings are read after the shared file, and may be absent.
    expect(units.get('diffscope-worker@.service')!.get('Service.EnvironmentFile')).toEqual([
      '/etc/diffscope/diffscope.env',
      '-/etc/diffscope/worker-%i.env',
    ]);
  });

  it(`the CLI exits ${EX_CONFIG} on an invalid configuration, the status the units do not restart on`, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'api'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DIFFSCOPE_API_PORT: '99999', OTEL_SDK_DISABLED: 'true' },
      timeout: 60_000,
    });
    expect(run.stderr).toContain('DIFFSCOPE_API_PORT');
    expect(run.status).toBe(EX_CONFIG);
  });
});
