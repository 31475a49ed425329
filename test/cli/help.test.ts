/**
 * The command line itself, through the real binary: --version, --help per command (only the
 * settings that command uses, each with its description, default and variable), boolean flags,
 * and the exit codes (0 ok, 2 usage, 78 configuration).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { COMMANDS } from '../../src/cli/command-table.js';
import { settingOption } from '../../src/cli/options.js';
import { allGroupedSettings } from '../../src/cli/setting-groups.js';
import { configSchema, loadConfig } from '../../src/config/index.js';
import { assertBuilt, freePort } from '../e2e/harness.js';
import { runCli } from './support/cli-process.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('diffscope command line', () => {
  beforeAll(() => assertBuilt());

  it('--version prints the package version and exits 0', async () => {
    for (const args of [['--version'], ['-V'], ['generate', '--version']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toBe(`diffscope ${version}\n`);
    }
  });

  it('--help lists every command; no command at all is a usage error (2)', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of COMMANDS.keys()) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(help.stdout).toMatch(/exit codes: 0 ok, 1 failed .* 2 usage/);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('usage: diffscope <command>');
    expect((await runCli(['help', 'logs'])).stdout).toContain('usage: diffscope logs');
  });

  it("a command's --help shows its options and only the settings it uses, with description, default and variable", async () => {
    const worker = await runCli(['worker', '--help']);
    expect(worker.code).toBe(0);
    expect(worker.stdout).toMatch(
      /^ {2}--worker-concurrency <n> +jobs one worker runs at once \[default: 1; env: DIFFSCOPE_WORKER_CONCURRENCY\]$/m,
    );
    expect(worker.stdout).toContain('--queue <sqlite|redis|rabbitmq>');
    expect(worker.stdout).not.toContain('--api-keys');
    expect(worker.stdout).not.toContain('--explorer-retention-hours');

    const notifier = await runCli(['notifier', '-h']);
    expect(notifier.stdout).toMatch(
      /--\[no-\]webhook-allow-private +allow webhook URLs .*\[default: false; env: DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE\]/,
    );

    const generate = await runCli(['generate', '--help']);
    expect(generate.stdout).toContain('usage: diffscope generate "<prompt>" [options]');
    for (const flag of [
      '--model <id>',
      '--sampler <name>',
      '--steps <n>',
      '--cfg <x>',
      '--seed <n>',
      '--size <WxH>',
      '--n <n>',
      '--negative <text>',
      '--out <dir>',
      '--json',
    ]) {
      expect(generate.stdout).toContain(flag);
    }
    expect(generate.stdout).toMatch(/--api <url> .*\[env: DIFFSCOPE_API_URL\]/);
    expect(generate.stdout).toMatch(/--api-key <value> .*\[env: DIFFSCOPE_API_KEY\]/);
    expect(generate.stdout).not.toContain('--queue ');

    const logs = await runCli(['logs', '--help']);
    for (const flag of [
      '--trace-id <id>',
      '--request-id <id>',
      '--service <name>',
      '--level <levels>',
      '--event <name>',
      '--since <time>',
      '--follow',
      '--explorer <url>',
    ]) {
      expect(logs.stdout).toContain(flag);
    }
  });

  it('every setting belongs to a command group and has a description', () => {
    const grouped = allGroupedSettings();
    for (const variable of Object.keys(configSchema.shape)) {
      expect(grouped.has(variable), `${variable}: add it to a group in src/cli/setting-groups.ts`).toBe(true);
      expect(settingOption(variable).description, `${variable}: .describe() it in src/config/schema.ts`).not.toBe('');
    }
  });

  it('boolean settings are flags: --x sets true, --no-x false, a value is refused', () => {
    expect(parseArgs(['notifier', '--webhook-allow-private']).overrides).toEqual({ DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true' });
    const off = parseArgs(['api', '--no-webhook-allow-private']);
    expect(loadConfig({ DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true' }, off.overrides).DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(() => parseArgs(['api', '--webhook-allow-private=yes'])).toThrow(/takes no value/);
    expect(() => parseArgs(['api', '--webhook-allow-private', '--no-webhook-allow-private'])).toThrow(UsageError);
    expect(parseArgs(['trace', 'abc', '--no-logs']).values).toEqual({ logs: false });
  });

  it('client commands take their own options and the client settings only', () => {
    const parsed = parseArgs(['generate', 'a red circle', '--steps', '30', '-n', '2', '--api', 'http://h:1', '--json']);
    expect(parsed.positional).toEqual(['a red circle']);
    expect(parsed.values).toEqual({ steps: '30', n: '2', json: true });
    expect(parsed.overrides).toEqual({ DIFFSCOPE_API_URL: 'http://h:1' });
    expect(() => parseArgs(['generate', 'x', '--queue', 'redis'])).toThrow(/unknown option --queue for `diffscope generate`/);
  });

  it('exits 2 on usage errors, naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['api', '--nope', '1'], /unknown option --nope/],
      [['api', '--api-port'], /option --api-port needs a value/],
      [['generate'], /missing argument: diffscope generate "<prompt>"/],
      [['generate', 'a', 'b'], /unexpected argument "b"/],
      [['generate', 'x', '--steps', 'many'], /--steps expects a whole number/],
      [['generate', 'x', '--size', 'big'], /--size expects WIDTHxHEIGHT/],
      [['logs', '--since', 'yesterday-ish'], /--since expects a duration/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { DIFFSCOPE_API_URL: 'http://127.0.0.1:9', DIFFSCOPE_EXPLORER_URL: 'http://127.0.0.1:9' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('exits 78 on an invalid configuration, from a variable or a flag', async () => {
    const fromEnv = await runCli(['models'], { DIFFSCOPE_API_PORT: '99999' });
    expect(fromEnv.code).toBe(78);
    expect(fromEnv.stderr).toContain('DIFFSCOPE_API_PORT');
    const fromFlag = await runCli(['generate', 'x', '--api', 'not a url']);
    expect(fromFlag.code).toBe(78);
    expect(fromFlag.stderr).toContain('DIFFSCOPE_API_URL');
  });

  it('exits 1 with the address and the way to change it when the api-server is not running', async () => {
    const port = await freePort(); // nothing listens there
    const r = await runCli(['generate', 'a red circle'], { DIFFSCOPE_API_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach the api-server at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(r.stderr).toContain('--api <url> or DIFFSCOPE_API_URL');
  });

  it('models without --api lists the local models folder', async () => {
    const r = await runCli(['models', '--json'], { DIFFSCOPE_MODELS_DIR: 'test/fixtures/models', DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel' });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as {
      source: string;
      data: { id: string; default: boolean; sizes: { summary: string }; samplers: string[] }[];
    };
    expect(list.source).toMatch(/models folder/);
    const tiny = list.data.find((m) => m.id === 'tiny-pixel')!;
    expect(tiny.default).toBe(true);
    expect(tiny.sizes.summary).toBe('16x16');
    expect(tiny.samplers).toContain('ddim');
  });
});
