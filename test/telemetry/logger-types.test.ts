/** The Logger's type accepts only catalogued event names: proven by compiling a fixture with the project's compiler. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The build's compiler (TypeScript 7, package.json's typescript-native); `typescript` is 6.x for ESLint and editors.
const TSC = path.join(ROOT, 'node_modules/typescript-native/bin/tsc');
const FIXTURE = path.join(ROOT, 'test/telemetry/fixtures/logger-event-names.ts');
// Inside the repository (test-artifacts/ is git-ignored) so the configs resolve @types/node and
// package.json's "type": "module" like the project's own files.
mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
const dir = mkdtempSync(path.join(ROOT, 'test-artifacts', 'logger-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function compile(file: string): Promise<{ code: number; output: string }> {
  const config = path.join(dir, `tsconfig.${path.basename(file)}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true, rootDir: ROOT },
      include: [],
      files: [file],
    }),
  );
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [TSC, '-p', config], { cwd: ROOT });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('Logger event names (compile time)', () => {
  it('compiles catalogued names and rejects every uncatalogued one (each @ts-expect-error is used)', async () => {
    const result = await compile(FIXTURE);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('a typo outside an expected-error line fails the build, naming the event', async () => {
    const typo = path.join(dir, 'typo.ts');
    writeFileSync(
      typo,
      `import type { Logger } from ${JSON.stringify(path.join(ROOT, 'src/telemetry/logger.js'))};\nexport const f = (l: Logger): void => l.info('request_recieved');\n`,
    );
    const result = await compile(typo);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`'"request_recieved"' is not assignable`);
  }, 120_000);
});
