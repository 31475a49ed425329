#!/usr/bin/env node
// Entry point of the `diffscope` command. Services need the OpenTelemetry ESM hook registered
// before any of their imports, which only `node --import` guarantees, so they are re-run
// through it; everything else (`start`, the client commands, --help, --version) needs no
// telemetry and runs in this process, so Ctrl-C reaches it directly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const register = fileURLToPath(new URL('../dist/telemetry/register.js', import.meta.url));
if (!existsSync(main)) {
  console.error('diffscope is not built yet: run `npm run build` first.');
  process.exit(1);
}
const args = process.argv.slice(2);
// service.name defaults to the seed's service names, not the CLI's short command names.
const serviceNames = { api: 'api-server', worker: 'inference-worker', notifier: 'notifier', explorer: 'explorer' };
const command = args.find((a) => !a.startsWith('-'));
const informational = args.some((a) => ['--help', '-h', '--version', '-V'].includes(a));
if (!Object.hasOwn(serviceNames, command ?? '') || informational) {
  await import(main);
} else {
  const env = { ...process.env };
  if (!env.OTEL_SERVICE_NAME) env.OTEL_SERVICE_NAME = serviceNames[command];
  const child = spawn(process.execPath, ['--import', register, main, ...args], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
