/**
 * Looks for a string in everything diffscope stores at rest: every file under a folder (SQLite
 * databases with their -wal and -shm files, images, the explorer database), every Redis key
 * (read by type, and its DUMP), every message of named RabbitMQ queues (read with basic.get and
 * put back) and the rows of PostgreSQL tables. Returns where it was found.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';

export function scanFiles(root: string, needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle, 'utf8');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue; // gone meanwhile (a -wal removed at close)
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) {
        let content: Buffer;
        try {
          content = readFileSync(full);
        } catch {
          continue;
        }
        if (content.includes(bytes)) hits.push(path.relative(root, full));
      }
    }
  };
  walk(root);
  return hits;
}

/** The files scanned (so a test can show it looked at the -wal and -shm too). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(full);
      else if (stat?.isFile()) out.push(path.relative(root, full));
    }
  };
  walk(root);
  return out;
}

export async function scanRedis(url: string, needle: string): Promise<{ keys: number; hits: string[] }> {
  const redis = new Redis(url);
  const hits: string[] = [];
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        keys++;
        const type = await redis.type(key);
        let values: string[] = [];
        if (type === 'string') values = [(await redis.get(key)) ?? ''];
        else if (type === 'hash') values = Object.entries(await redis.hgetall(key)).flat();
        else if (type === 'list') values = await redis.lrange(key, 0, -1);
        else if (type === 'set') values = await redis.smembers(key);
        else if (type === 'zset') values = await redis.zrange(key, 0, -1);
        else if (type === 'stream') values = (await redis.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields]);
        const dump = await redis.dumpBuffer(key);
        if (values.some((v) => v.includes(needle)) || (dump && dump.includes(Buffer.from(needle)))) hits.push(`${type} ${key}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { keys, hits };
}

/** Every message in each queue (taken unacked, put back when the channel closes). */
export async function scanRabbit(
  url: string,
  queues: string[],
  needle: string,
): Promise<{ messages: number; hits: string[]; bodies: Record<string, string[]> }> {
  const connection = await amqp.connect(url);
  const hits: string[] = [];
  const bodies: Record<string, string[]> = {};
  let messages = 0;
  try {
    for (const queue of queues) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      bodies[queue] = [];
      try {
        await channel.checkQueue(queue);
        for (;;) {
          const msg = await channel.get(queue, { noAck: false });
          if (msg === false) break;
          messages++;
          const body = msg.content.toString('utf8');
          bodies[queue].push(body);
          if (body.includes(needle) || JSON.stringify(msg.properties.headers ?? {}).includes(needle)) hits.push(queue);
        }
      } catch {
        // the queue does not exist: nothing kept there
      } finally {
        await channel.close().catch(() => undefined);
      }
    }
  } finally {
    await connection.close();
  }
  return { messages, hits, bodies };
}

export async function scanPostgres(connectionString: string, tables: string[], needle: string): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const hits: string[] = [];
  try {
    for (const table of tables) {
      const exists = await client.query(`SELECT to_regclass($1) AS t`, [table]);
      if (!exists.rows[0].t) continue;
      const found = await client.query(`SELECT count(*)::int AS n FROM ${table} t WHERE t::text LIKE '%' || $1 || '%'`, [needle]);
      if (found.rows[0].n > 0) hits.push(table);
    }
  } finally {
    await client.end();
  }
  return hits;
}
