/**
 * Generation state in Redis: a hash per generation (one field per record property, each
 * JSON-encoded, so patches are HSETs and never re-encode the whole record), a list of
 * events, and pub/sub on a channel per generation for fan-out. Every write that must be
 * atomic (create-if-absent, patch-if-present, compare-and-set transition, append-with-seq)
 * is a Lua script.
 * Keys carry a `{id}` hash tag so one generation's keys share a Redis Cluster slot.
 */
import { Redis } from 'ioredis';
import { EventHub } from './event-hub.js';
import { isTerminal, type GenerationEvent, type GenerationEventType, type GenerationRecord, type GenerationStore, type Move, type RecordPatch } from '../generation/index.js';
import { cleanPatch, definedFields, DuplicateGenerationError, MissingGenerationError } from './record-patch.js';

export interface RedisGenerationStoreOptions {
  url: string;
  keyPrefix?: string;
  /** A finished generation (record and events) expires this long after finishing; default 7 days. 0 keeps it forever. */
  retentionMs?: number;
}

const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

const SEQ_FIELD = '__seq';

const SCRIPTS = {
  dscCreate: {
    numberOfKeys: 1,
    lua: `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
          redis.call('HSET', KEYS[1], unpack(ARGV)) return 1`,
  },
  dscUpdate: {
    numberOfKeys: 1,
    lua: `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
          if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
          return redis.call('HGETALL', KEYS[1])`,
  },
  // ARGV: n, the n allowed statuses, the run's startedAt ('' = any run), the retention in
  // ms (> 0 only when the move ends the generation), then field/value pairs. Values are
  // compared as stored: JSON-encoded.
  dscTransition: {
    numberOfKeys: 2,
    lua: `local s = redis.call('HGET', KEYS[1], 'status')
          if not s then return false end
          local n = tonumber(ARGV[1])
          local allowed = false
          for i = 2, n + 1 do if ARGV[i] == s then allowed = true end end
          if not allowed then return false end
          local run = ARGV[n + 2]
          if run ~= '' and redis.call('HGET', KEYS[1], 'startedAt') ~= run then return false end
          redis.call('HSET', KEYS[1], unpack(ARGV, n + 4))
          local ttl = tonumber(ARGV[n + 3])
          if ttl > 0 then
            redis.call('PEXPIRE', KEYS[1], ttl)
            redis.call('PEXPIRE', KEYS[2], ttl)
          end
          return redis.call('HGETALL', KEYS[1])`,
  },
  // The event JSON is assembled by concatenation: decoding and re-encoding \`data\` with
  // cjson would turn empty arrays into objects.
  dscAppend: {
    numberOfKeys: 2,
    lua: `if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
          local seq = redis.call('HINCRBY', KEYS[1], '${SEQ_FIELD}', 1)
          local e = '{"seq":' .. seq .. ',"type":' .. cjson.encode(ARGV[1]) .. ',"data":' .. ARGV[2] .. ',"at":' .. ARGV[3] .. '}'
          redis.call('RPUSH', KEYS[2], e)
          local ttl = redis.call('PTTL', KEYS[1])
          if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
          redis.call('PUBLISH', ARGV[4], e)
          return seq`,
  },
} as const;

interface ScriptedRedis extends Redis {
  dscCreate(key: string, ...fieldValues: string[]): Promise<number>;
  dscUpdate(key: string, ...fieldValues: string[]): Promise<string[] | null>;
  dscTransition(key: string, eventsKey: string, ...args: string[]): Promise<string[] | null>;
  dscAppend(key: string, listKey: string, type: string, data: string, at: string, channel: string): Promise<number>;
}

function fieldValues(values: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(values)) out.push(key, JSON.stringify(value));
  return out;
}

function decodeHash(flat: string[] | Record<string, string>): GenerationRecord {
  const entries = Array.isArray(flat)
    ? Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]] as const)
    : Object.entries(flat);
  const record: Record<string, unknown> = {};
  for (const [key, value] of entries) if (key !== SEQ_FIELD) record[key] = JSON.parse(value);
  return record as unknown as GenerationRecord;
}

export class RedisGenerationStore implements GenerationStore {
  readonly kind = 'redis' as const;
  private readonly hub: EventHub;
  private subscriber: Redis | null = null;
  private readonly prefix: string;
  private readonly retentionMs: number;

  private constructor(
    private readonly redis: ScriptedRedis,
    options: RedisGenerationStoreOptions,
  ) {
    this.prefix = options.keyPrefix ?? 'diffscope:';
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.hub = new EventHub({ events: (id, after) => this.events(id, after), latestSeq: (id) => this.latestSeq(id) });
  }

  static async connect(options: RedisGenerationStoreOptions): Promise<RedisGenerationStore> {
    const redis = new Redis(options.url, { lazyConnect: true });
    for (const [name, script] of Object.entries(SCRIPTS)) {
      redis.defineCommand(name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    }
    redis.on('error', () => {
      // ioredis reconnects by itself; commands fail meanwhile and callers see those errors.
    });
    await redis.connect();
    return new RedisGenerationStore(redis as ScriptedRedis, options);
  }

  private key(id: string): string {
    return `${this.prefix}gen:{${id}}`;
  }

  private eventsKey(id: string): string {
    return `${this.prefix}gen:{${id}}:events`;
  }

  private channel(id: string): string {
    return `${this.prefix}gen-events:${id}`;
  }

  async create(record: GenerationRecord): Promise<void> {
    const created = await this.redis.dscCreate(this.key(record.id), ...fieldValues(definedFields(record)));
    if (created !== 1) throw new DuplicateGenerationError(record.id);
  }

  async get(id: string): Promise<GenerationRecord | null> {
    const hash = await this.redis.hgetall(this.key(id));
    return Object.keys(hash).length === 0 ? null : decodeHash(hash);
  }

  async update(id: string, patch: RecordPatch): Promise<GenerationRecord | null> {
    const flat = await this.redis.dscUpdate(this.key(id), ...fieldValues(cleanPatch(patch)));
    return flat ? decodeHash(flat) : null;
  }

  async transition(id: string, move: Move, patch: RecordPatch = {}): Promise<GenerationRecord | null> {
    const flat = await this.redis.dscTransition(
      this.key(id),
      this.eventsKey(id),
      String(move.from.length),
      ...move.from.map((status) => JSON.stringify(status)),
      move.runStartedAt !== undefined ? JSON.stringify(move.runStartedAt) : '',
      String(isTerminal(move.to) ? this.retentionMs : 0),
      ...fieldValues({ ...cleanPatch(patch), status: move.to }),
    );
    return flat ? decodeHash(flat) : null;
  }

  async appendEvent(id: string, type: GenerationEventType, data: Record<string, unknown>): Promise<GenerationEvent> {
    const at = Date.now();
    const seq = await this.redis.dscAppend(this.key(id), this.eventsKey(id), type, JSON.stringify(data), String(at), this.channel(id));
    if (seq < 0) throw new MissingGenerationError(id);
    return { seq, type, data, at };
  }

  async events(id: string, afterSeq = 0): Promise<GenerationEvent[]> {
    // seq n sits at list index n-1, so "after seq k" starts at index k.
    const raw = await this.redis.lrange(this.eventsKey(id), afterSeq, -1);
    return raw.map((entry) => JSON.parse(entry) as GenerationEvent);
  }

  private async latestSeq(id: string): Promise<number> {
    return Number((await this.redis.hget(this.key(id), SEQ_FIELD)) ?? 0);
  }

  private async subscriberConnection(): Promise<Redis> {
    if (!this.subscriber) {
      const sub = this.redis.duplicate();
      sub.on('error', () => undefined);
      sub.on('message', (channel: string, message: string) => {
        const id = channel.slice(`${this.prefix}gen-events:`.length);
        try {
          this.hub.dispatch(id, JSON.parse(message) as GenerationEvent);
        } catch {
          this.hub.dispatch(id);
        }
      });
      // After a reconnect ioredis re-subscribes; events published meanwhile are read back.
      sub.on('ready', () => this.hub.ids().forEach((id) => this.hub.dispatch(id)));
      this.subscriber = sub;
    }
    return this.subscriber;
  }

  async subscribe(id: string, listener: (event: GenerationEvent) => void): Promise<() => Promise<void>> {
    return this.hub.subscribe(id, listener, {
      onFirst: async () => {
        await (await this.subscriberConnection()).subscribe(this.channel(id));
      },
      onLast: async () => {
        await this.subscriber?.unsubscribe(this.channel(id)).catch(() => undefined);
      },
    });
  }

  /** Delete every key under this store's prefix (tests, operators). */
  async deleteAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    this.hub.clear();
    await this.subscriber?.quit().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
  }
}
