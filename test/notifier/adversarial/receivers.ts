/**
 * Webhook receivers for the adversarial notifier tests, as real HTTP servers on loopback:
 * a tarpit answers `200` at once and then trickles one body byte every `trickleMs`, never ending;
 * a victim answers at once and notes when each webhook arrived.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Tarpit {
  url: string;
  /** Connections open now. */
  open(): number;
  /** Requests received in all. */
  requests(): number;
  close(): Promise<void>;
}

/** Connections open at once across a set of tarpits, the most seen so far. */
export class OpenCounter {
  now = 0;
  max = 0;
  /** Connections the far end (the notifier) closed before the tarpit ended them. */
  cutByClient = 0;
  add(): void {
    this.now++;
    this.max = Math.max(this.max, this.now);
  }
  remove(): void {
    this.now--;
  }
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

export async function startTarpit(counter: OpenCounter, options: { host?: string; trickleMs?: number } = {}): Promise<Tarpit> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let open = 0;
  const server = createServer((req, res: ServerResponse) => {
    requests++;
    req.resume();
    req.on('end', () => {
      open++;
      counter.add();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000000' });
      const timer = setInterval(() => res.write('.'), options.trickleMs ?? 2_000);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
        open--;
        counter.remove();
        if (!res.writableFinished) counter.cutByClient++;
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, host);
  return {
    url: `http://${host}:${port}/hook`,
    open: () => open,
    requests: () => requests,
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Victim {
  url: string;
  /** Arrival time (ms since epoch) of each webhook, by generation id. */
  arrivals: Map<string, number>;
  close(): Promise<void>;
}

export async function startVictim(host: string): Promise<Victim> {
  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: string };
      if (!arrivals.has(id)) arrivals.set(id, Date.now());
      res.end('ok');
    });
  });
  const port = await listen(server, host);
  return {
    url: `http://${host}:${port}/hook`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
