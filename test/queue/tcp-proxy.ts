/**
 * A TCP pass-through in front of a real server, so a test can cut the network under a client
 * (every open connection reset at once, as a dropped link or a restarted load balancer does)
 * without a hook in the client. New connections keep going through: the client can reconnect.
 *
 * It can also hold the server's replies (`holdReplies`): requests still reach the server, which
 * applies them, but the answers wait until `releaseReplies` — an acknowledgement lost in an outage
 * as far as the client can tell (its deadline passes) while the write went through; released
 * replies go out in order, so the client's protocol stream stays whole. And it can refuse the
 * network (`refuse`: every connection cut and new ones closed at once until `accept`), so that
 * requests sent meanwhile never reach the server.
 */
import net from 'node:net';

export interface TcpProxy {
  /** `url` with its host and port replaced by the proxy's. */
  readonly url: string;
  /** Connections through the proxy now open. */
  readonly openConnections: number;
  /** Resets every open connection (both sides). */
  dropConnections(): void;
  holdReplies(): void;
  releaseReplies(): void;
  refuse(): void;
  accept(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(url: string, defaultPort: number): Promise<TcpProxy> {
  const target = new URL(url);
  const host = target.hostname || '127.0.0.1';
  const port = Number(target.port || defaultPort);
  const pairs = new Set<[net.Socket, net.Socket]>();
  let holding = false;
  let refusing = false;
  const held: Array<() => void> = [];
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
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
    upstream.on('data', (chunk: Buffer) => {
      if (holding) held.push(() => client.write(chunk));
      else client.write(chunk);
    });
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
    holdReplies() {
      holding = true;
    },
    releaseReplies() {
      holding = false;
      for (const send of held.splice(0)) send();
    },
    refuse() {
      refusing = true;
      for (const [client, upstream] of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
    },
    accept() {
      refusing = false;
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
