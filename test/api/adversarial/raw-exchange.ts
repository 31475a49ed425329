/**
 * One HTTP/1.1 exchange over a fresh socket where the test writes every byte (request line,
 * headers, a body that may disagree with its content-length), with a deadline: a server that
 * never answers fails the caller instead of hanging it. Reads one response — to its
 * content-length, to the end of a chunked body, or only the head of an event stream — and
 * reports a connection the server closed without answering as status 0. Interim 1xx answers are skipped.
 */
import { Socket } from 'node:net';

export interface Exchange {
  /** 0: the server closed the connection without a response. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Everything received, head included (scanned for the canary). */
  raw: Buffer;
  ms: number;
}

export class ExchangeTimeout extends Error {}

export interface ExchangeOptions {
  timeoutMs: number;
  /** Send FIN after the request (a client that promised more body than it sent, then gave up). */
  halfClose?: boolean;
}

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) {
      const name = line.slice(0, i).trim().toLowerCase();
      headers[name] = headers[name] === undefined ? line.slice(i + 1).trim() : `${headers[name]}, ${line.slice(i + 1).trim()}`;
    }
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

/** The decoded body of a chunked response once its last chunk is in, else undefined. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at, 'latin1');
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return Buffer.concat(parts);
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Write `head` (request line and header lines, CRLF-joined, without the blank line) and `body`,
 * then read one response.
 */
export function exchange(port: number, head: string, body: Buffer | string, options: ExchangeOptions): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (result: Exchange | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(
      () => finish(new ExchangeTimeout(`no complete answer within ${options.timeoutMs} ms to ${head.split('\r\n')[0].slice(0, 200)}`)),
      options.timeoutMs,
    );
    const result = (complete: boolean): Exchange | undefined => {
      const raw = Buffer.concat(chunks);
      // Interim answers (100 Continue) come before the one that counts.
      let from = 0;
      while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(from, from + 13).toString('latin1'))) {
        const interimEnd = raw.indexOf('\r\n\r\n', from, 'latin1');
        if (interimEnd < 0) break;
        from = interimEnd + 4;
      }
      const end = raw.indexOf('\r\n\r\n', from, 'latin1');
      if (end < 0) return complete ? { status: 0, headers: {}, body: Buffer.alloc(0), raw, ms: Date.now() - started } : undefined;
      const { status, headers } = parseHead(raw.subarray(from, end).toString('latin1'));
      const rest = raw.subarray(end + 4);
      const done = (b: Buffer): Exchange => ({ status, headers, body: b, raw, ms: Date.now() - started });
      if ((headers['content-type'] ?? '').startsWith('text/event-stream')) return done(rest);
      if (headers['content-length'] !== undefined) {
        const length = Number(headers['content-length']);
        if (rest.length >= length) return done(rest.subarray(0, length));
        return complete ? done(rest) : undefined;
      }
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const decoded = dechunk(rest);
        if (decoded) return done(decoded);
        return complete ? done(rest) : undefined;
      }
      // Neither: the body runs to the end of the connection (we asked for `connection: close`).
      return complete ? done(rest) : undefined;
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const r = result(false);
      if (r) finish(r);
    });
    socket.on('end', () => finish(result(true)!));
    socket.on('close', () => finish(result(true)!));
    // A reset after the server answered (it closed on a body it would not read) still counts as that answer.
    let connected = false;
    socket.on('error', (err) => finish(connected ? result(true)! : err));
    socket.connect(port, '127.0.0.1', () => {
      connected = true;
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]));
      if (options.halfClose) socket.end();
    });
  });
}
