/**
 * Servers of our own for the outage tests, on free ports in temp dirs — never the shared
 * ones on 6379/5432: a redis-server, and a PostgreSQL cluster (initdb + pg_ctl; run as the
 * `postgres` user when the test runs as root, since initdb refuses root). Each can be frozen
 * (SIGSTOP: connections stay open, nothing answers — the hang case), resumed, killed and
 * restarted on the same port and data.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net-support.js';

async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface OwnRedis {
  port: number;
  url: string;
  freeze(): void;
  resume(): void;
  /** SIGKILL; the append-only file keeps what was acknowledged. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-own-redis-'));
  let child: ChildProcess;
  const launch = async () => {
    // appendfsync always: a kill loses nothing that was acknowledged, so "every accepted request completes" is checkable.
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port);
  };
  const exited = () =>
    new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
    );
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    freeze: () => process.kill(child.pid!, 'SIGSTOP'),
    resume: () => process.kill(child.pid!, 'SIGCONT'),
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    restart: launch,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGCONT');
        child.kill('SIGTERM');
        await exited();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnPostgres {
  port: number;
  url: string;
  freeze(): void;
  resume(): void;
  /** pg_ctl stop -m immediate (a crash: WAL recovery on the next start). */
  kill(): void;
  restart(): void;
  stop(): void;
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return path.join(root, version, 'bin', name);
}

export function postgresAvailable(): string | null {
  try {
    return existsSync(pgBin('initdb')) ? null : 'initdb not found';
  } catch {
    return 'no /usr/lib/postgresql';
  }
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-own-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (bin: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : bin, asRoot ? ['-u', 'postgres', '--', bin, ...args] : args, { stdio: 'ignore', cwd: dir });
  run(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = () =>
    run(pgBin('pg_ctl'), [
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  start();
  await waitForPort(port);
  const pids = () => {
    const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(postmaster)])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
    return [postmaster, ...children];
  };
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    freeze: () => pids().forEach((pid) => process.kill(pid, 'SIGSTOP')),
    resume: () => pids().forEach((pid) => process.kill(pid, 'SIGCONT')),
    kill: () => run(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']),
    restart: start,
    stop() {
      try {
        pids().forEach((pid) => process.kill(pid, 'SIGCONT'));
        run(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
