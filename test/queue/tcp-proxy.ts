/**
 * A TCP pass-through in front of a real server, so a test can cut the network under a client
 * (every open connection reset at once, as a dropped link or a restarted load balancer does)
 * without a hook in the client. New connections keep going through: the client can reconnect.
 */
import net from 'node:net';

export interface TcpProxy {
  /** `url` with its host and port replaced by the proxy's. */
  readonly url: string;
  /** Connections through the proxy now open. */
  readonly openConnections: number;
  /** Resets every open connection (both sides). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(url: string, defaultPort: number): Promise<TcpProxy> {
  const target = new URL(url);
  const host = target.hostname || '127.0.0.1';
  const port = Number(target.port || defaultPort);
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as net.AddressInfo).port);
  return {
    url: proxied.toString(),
    get openConnections() {
      return pairs.size;
    },
    dropConnections() {
      for (const [client, upstream] of [...pairs]) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
