/**
 * What the adversarial suite needs beyond the serving stack: a listening api-server, raw HTTP
 * requests over a socket (so the test, not an HTTP client, decides every byte of the request
 * line and headers), free ports, and waiting for a socket to be closed by the server.
 */
import { createServer, Socket } from 'node:net';
import { startStack, type Stack, type StackOptions } from '../../support/serving-stack.js';

export interface ListeningStack extends Stack {
  port: number;
  baseUrl: string;
}

export async function startListeningStack(options: StackOptions = {}): Promise<ListeningStack> {
  const stack = await startStack(options);
  await stack.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (stack.app.server.address() as { port: number }).port;
  return Object.assign(stack, { port, baseUrl: `http://127.0.0.1:${port}` });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send `request` verbatim (CRLF line ends are added) and read one response (connection: close). */
export async function rawRequest(port: number, lines: string[], body = ''): Promise<RawResponse> {
  const socket = new Socket();
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, '127.0.0.1', () => resolve());
  });
  socket.write(`${lines.join('\r\n')}\r\nconnection: close\r\n\r\n${body}`);
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (c) => chunks.push(c));
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

/** `GET path` with exactly this Host header (omitted when undefined: HTTP/1.0 then, as HTTP/1.1 requires one). */
export function getWithHost(port: number, path: string, host: string | undefined): Promise<RawResponse> {
  return host === undefined ? rawRequest(port, [`GET ${path} HTTP/1.0`]) : rawRequest(port, [`GET ${path} HTTP/1.1`, `host: ${host}`]);
}

/** Resolves when the peer closes `socket` (or it errors), with how long that took. */
export function closedBy(socket: Socket): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(0);
    socket.once('close', () => resolve(Date.now() - started));
    // A paused socket never sees the server's FIN: read (and drop) whatever it answers.
    socket.resume();
  });
}

export function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('error', reject);
    socket.connect(port, '127.0.0.1', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // a reset by the server is what some tests wait for
      resolve(socket);
    });
  });
}

/** Send a request and resolve with the status as soon as the response head arrives; the socket stays open (SSE). */
export async function openResponse(port: number, lines: string[]): Promise<{ status: number; head: string; socket: Socket }> {
  const socket = await connect(port);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve({ status: Number(text.split(' ')[1]), head: text.slice(0, end), socket });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before a response head: ${text.slice(0, 200)}`)));
  });
}
