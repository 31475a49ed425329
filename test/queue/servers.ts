/**
 * Probes for the real servers integration tests use (standard loopback ports). A probe
 * returns null when the server answers, else a reason for the test to print when it skips
 * (under CI=true the suites fail instead).
 */
import net from 'node:net';

export const REDIS_URL = process.env.DIFFSCOPE_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AMQP_URL = process.env.DIFFSCOPE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const POSTGRES_URL = process.env.DIFFSCOPE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function probeTcp(url: string, defaultPort: number): Promise<string | null> {
  const parsed = new URL(url);
  const host = parsed.hostname || '127.0.0.1';
  const port = Number(parsed.port || defaultPort);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(1_000, () => done(`no answer from ${host}:${port} within 1 s`));
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(`${host}:${port} unreachable (${err.message})`));
  });
}
