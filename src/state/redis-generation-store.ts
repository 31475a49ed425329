/**
 * Generation state in Redis: a hash per generation (one field per record property, each
 * JSON-encoded, so patches are HSETs and never re-encode the whole record), a list of
 * events, and pub/sub on a channel per generation for fan-out. Every write that must be
 * atomic (create-if-absent, patch-if-present, compare-and-set transition, append-with-seq)
 * is a Lua script.
 * Keys carry a `{id}` hash tag so one generation's keys share a Redis Cluster slot.
 *
 * Admission: three sets hold the ids that count against the quotas (all queued, a client's
 * queued, a client's queued + running). The create script counts them and inserts in one
 * step; the transition script moves an id between them with the status. (Those scripts touch
 * keys of several slots: one Redis server, or a Cluster only with the admission keys and the
 * generation keys in one slot.)
 *
 * A transition's event and owed completion (`TransitionEffects`) are written by the transition
 * script itself; owed completions are a sorted set by finish time (`completion-pending`).
 *
 * Retention: a finished generation's keys expire after `retentionMs`, and its id goes into a
 * sorted set by finish time (`finished`), which the retention sweep (src/generation/retention.ts)
 * reads to remove the images too, even of a record that has already expired.
 *
 * Every command has a deadline (`commandTimeoutMs`) and none waits in an offline queue or is
 * re-sent after a reconnect: while Redis is down or stalled, callers get an error in seconds,
 * and a command whose outcome is unknown is not replayed behind their back when Redis returns.
 */
import { Redis } from 'ioredis';
import { EventHub } from './event-hub.js';
import {
  byQueueOrder,
  isTerminal,
  type Admission,
  type AdmissionQuota,
  type QuotaScope,
  type FinishedRun,
  type GenerationEvent,
  type GenerationEventType,
  type GenerationRecord,
  type GenerationStore,
  type Move,
  type QueueSnapshot,
  type QueueSnapshotOptions,
  type RecordPatch,
  type TransitionEffects,
} from '../generation/index.js';
import type { ActiveListOptions, FinishedListOptions } from '../generation/index.js';
import { cleanPatch, definedFields, DuplicateGenerationError, MissingGenerationError } from './record-patch.js';

export interface RedisGenerationStoreOptions {
  url: string;
  keyPrefix?: string;
  /** A finished generation (record and events) expires this long after finishing; default 7 days. 0 keeps it forever. */
  retentionMs?: number;
  /** A command without an answer after this fails (default 2000 ms). */
  commandTimeoutMs?: number;
}

/** "No limit" for the create script. */
const UNLIMITED = -1;
/** The create script's limits, in the order it checks them (as judgeAdmission does). */
const QUOTA_SCOPES: readonly QuotaScope[] = ['queue', 'client_queued', 'client_active'];

const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

const SEQ_FIELD = '__seq';
/** How many succeeded runs the recent-runs list keeps (the ETA window reads fewer). */
const MAX_RECENT_RUNS = 500;

const SCRIPTS = {
  // KEYS: record, all-queued set, client-queued set, client-active set. ARGV: id, the three
  // limits (-1 = none) in that order, the raw status, then field/value pairs. Returns {1}
  // created, {0} exists, {-1, scope, count} refused.
  dscCreate: {
    numberOfKeys: 4,
    lua: `if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
          local scopes = {'queue', 'client_queued', 'client_active'}
          for i = 1, 3 do
            local limit = tonumber(ARGV[i + 1])
            local count = redis.call('SCARD', KEYS[i + 1])
            if limit >= 0 and count >= limit then return {-1, scopes[i], count} end
          end
          redis.call('HSET', KEYS[1], unpack(ARGV, 6))
          if ARGV[5] == 'queued' then
            redis.call('SADD', KEYS[2], ARGV[1])
            redis.call('SADD', KEYS[3], ARGV[1])
          end
          if ARGV[5] == 'queued' or ARGV[5] == 'running' then redis.call('SADD', KEYS[4], ARGV[1]) end
          return {1}`,
  },
  dscUpdate: {
    numberOfKeys: 1,
    lua: `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
          if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
          return redis.call('HGETALL', KEYS[1])`,
  },
  // KEYS: record, events, finished set, completion-pending set. ARGV: n, the n allowed statuses,
  // the run's startedAt ('' = any run), the retention in ms (> 0 only when the move ends the
  // generation), the raw new status, the admission key prefix, the id, the event's type ('' =
  // no event), its data (JSON), its time, its channel, '1' when the completion is owed, then
  // field/value pairs. Values are compared as stored: JSON-encoded.
  dscTransition: {
    numberOfKeys: 4,
    lua: `local s = redis.call('HGET', KEYS[1], 'status')
          if not s then return false end
          local n = tonumber(ARGV[1])
          local allowed = false
          for i = 2, n + 1 do if ARGV[i] == s then allowed = true end end
          if not allowed then return false end
          local run = ARGV[n + 2]
          if run ~= '' and redis.call('HGET', KEYS[1], 'startedAt') ~= run then return false end
          local etype = ARGV[n + 7]
          local e = nil
          if etype ~= '' then
            -- The event first: a script stopped by an error keeps what it wrote before, so
            -- nothing of the move may come before the write that can fail (a wrong-typed key).
            local seq = tonumber(redis.call('HGET', KEYS[1], '${SEQ_FIELD}') or '0') + 1
            e = '{"seq":' .. seq .. ',"type":' .. cjson.encode(etype) .. ',"data":' .. ARGV[n + 8] .. ',"at":' .. ARGV[n + 9] .. '}'
            redis.call('RPUSH', KEYS[2], e)
            redis.call('HSET', KEYS[1], '${SEQ_FIELD}', seq)
          end
          redis.call('HSET', KEYS[1], unpack(ARGV, n + 12))
          if e then redis.call('PUBLISH', ARGV[n + 10], e) end
          if ARGV[n + 11] == '1' then
            local finishedAt = redis.call('HGET', KEYS[1], 'finishedAt')
            redis.call('ZADD', KEYS[4], finishedAt and tonumber(finishedAt) or 0, ARGV[n + 6])
          end
          local ttl = tonumber(ARGV[n + 3])
          if ttl > 0 then
            redis.call('PEXPIRE', KEYS[1], ttl)
            redis.call('PEXPIRE', KEYS[2], ttl)
          end
          local to, quota, id = ARGV[n + 4], ARGV[n + 5], ARGV[n + 6]
          local owner = redis.call('HGET', KEYS[1], 'clientId')
          local client = owner and cjson.decode(owner) or ''
          local queuedOp = to == 'queued' and 'SADD' or 'SREM'
          redis.call(queuedOp, quota .. 'queued', id)
          redis.call(queuedOp, quota .. 'client:' .. client .. ':queued', id)
          if to ~= 'queued' and to ~= 'running' then
            redis.call('SREM', quota .. 'client:' .. client .. ':active', id)
            local finished = redis.call('HGET', KEYS[1], 'finishedAt')
            if finished then redis.call('ZADD', KEYS[3], tonumber(finished), id) end
          end
          return redis.call('HGETALL', KEYS[1])`,
  },
  // KEYS: record, events, finished set. ARGV: id. Removes only a finished generation (statuses
  // are stored JSON-encoded); an id whose record already expired leaves the finished set too.
  dscRemove: {
    numberOfKeys: 3,
    lua: `local s = redis.call('HGET', KEYS[1], 'status')
          if s and s ~= '"succeeded"' and s ~= '"failed"' and s ~= '"canceled"' then return 0 end
          redis.call('ZREM', KEYS[3], ARGV[1])
          if not s then
            redis.call('DEL', KEYS[2])
            return 0
          end
          redis.call('DEL', KEYS[1], KEYS[2])
          return 1`,
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
  dscCreate(
    key: string,
    queued: string,
    clientQueued: string,
    clientActive: string,
    ...args: string[]
  ): Promise<[number, string?, number?]>;
  dscUpdate(key: string, ...fieldValues: string[]): Promise<string[] | null>;
  dscTransition(key: string, eventsKey: string, finishedKey: string, pendingKey: string, ...args: string[]): Promise<string[] | null>;
  dscRemove(key: string, eventsKey: string, finishedKey: string, id: string): Promise<number>;
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
    const redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      // A command in flight when the connection dropped may have run: it fails rather than being
      // re-sent after the reconnect, where a compare-and-set would lose to its own first run.
      autoResendUnfulfilledCommands: false,
    });
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

  /** Where the admission sets live (`queued`, `client:<id>:queued`, `client:<id>:active` after it). */
  private get quotaPrefix(): string {
    return `${this.prefix}quota:`;
  }

  private async insert(record: GenerationRecord, limits: readonly [number, number, number]): Promise<Admission> {
    const q = this.quotaPrefix;
    const [result, scope, count] = await this.redis.dscCreate(
      this.key(record.id),
      `${q}queued`,
      `${q}client:${record.clientId}:queued`,
      `${q}client:${record.clientId}:active`,
      record.id,
      ...limits.map(String),
      record.status,
      ...fieldValues(definedFields(record)),
    );
    if (result === 0) throw new DuplicateGenerationError(record.id);
    if (result === 1) return { admitted: true };
    const refused = scope as QuotaScope;
    const limit = limits[QUOTA_SCOPES.indexOf(refused)];
    return { admitted: false, scope: refused, limit, count: Number(count) };
  }

  async create(record: GenerationRecord): Promise<void> {
    await this.insert(record, [UNLIMITED, UNLIMITED, UNLIMITED]);
  }

  async createWithinQuota(record: GenerationRecord, quota: AdmissionQuota): Promise<Admission> {
    return this.insert(record, [quota.maxQueued, quota.maxQueuedPerClient, quota.maxActivePerClient]);
  }

  async get(id: string): Promise<GenerationRecord | null> {
    const hash = await this.redis.hgetall(this.key(id));
    return Object.keys(hash).length === 0 ? null : decodeHash(hash);
  }

  async update(id: string, patch: RecordPatch): Promise<GenerationRecord | null> {
    const flat = await this.redis.dscUpdate(this.key(id), ...fieldValues(cleanPatch(patch)));
    return flat ? decodeHash(flat) : null;
  }

  async transition(id: string, move: Move, patch: RecordPatch = {}, effects: TransitionEffects = {}): Promise<GenerationRecord | null> {
    const { event } = effects;
    const flat = await this.redis.dscTransition(
      this.key(id),
      this.eventsKey(id),
      this.finishedKey,
      this.pendingKey,
      String(move.from.length),
      ...move.from.map((status) => JSON.stringify(status)),
      move.runStartedAt !== undefined ? JSON.stringify(move.runStartedAt) : '',
      String(isTerminal(move.to) ? this.retentionMs : 0),
      move.to,
      this.quotaPrefix,
      id,
      event?.type ?? '',
      event ? JSON.stringify(event.data) : '',
      String(Date.now()),
      this.channel(id),
      effects.completionPending ? '1' : '',
      ...fieldValues({ ...cleanPatch(patch), status: move.to }),
    );
    if (!flat) return null;
    const record = decodeHash(flat);
    if (move.to === 'succeeded' && record.startedAt !== undefined && record.finishedAt !== undefined) {
      // The ETA window (queueSnapshot); only an estimate reads it, so it is written after the move, not inside it.
      const run: FinishedRun = { model: record.params.model, startedAt: record.startedAt, finishedAt: record.finishedAt };
      await this.redis
        .multi()
        .lpush(this.recentRunsKey, JSON.stringify(run))
        .ltrim(this.recentRunsKey, 0, MAX_RECENT_RUNS - 1)
        .exec()
        .catch(() => undefined);
    }
    return record;
  }

  /** Ids of finished generations whose completion is owed, by finish time (ms). */
  private get pendingKey(): string {
    return `${this.prefix}completion-pending`;
  }

  async settleCompletion(id: string): Promise<boolean> {
    return (await this.redis.zrem(this.pendingKey, id)) === 1;
  }

  async listPendingCompletions(options: FinishedListOptions): Promise<GenerationRecord[]> {
    const ids = await this.redis.zrangebyscore(this.pendingKey, '-inf', `(${options.finishedBefore}`, 'LIMIT', 0, options.limit);
    const records: GenerationRecord[] = [];
    for (const id of ids) {
      const record = await this.get(id);
      // Expired (retention) or removed meanwhile: nothing left to announce.
      if (record) records.push(record);
      else await this.redis.zrem(this.pendingKey, id);
    }
    return records;
  }

  /** Finished generations' ids by finish time (ms): what listFinished reads. */
  private get finishedKey(): string {
    return `${this.prefix}finished`;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.redis.dscRemove(this.key(id), this.eventsKey(id), this.finishedKey, id)) === 1;
  }

  async listFinished(options: FinishedListOptions): Promise<string[]> {
    return this.redis.zrangebyscore(this.finishedKey, '-inf', `(${options.finishedBefore}`, 'LIMIT', 0, options.limit);
  }

  private get recentRunsKey(): string {
    return `${this.prefix}recent-runs`;
  }

  async queueSnapshot(options: QueueSnapshotOptions): Promise<QueueSnapshot> {
    const [ids, runs] = await Promise.all([
      this.redis.smembers(`${this.quotaPrefix}queued`),
      this.redis.lrange(this.recentRunsKey, 0, Math.max(0, options.recentRuns - 1)),
    ]);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.key(id), 'createdAt', 'params');
    const fields = ids.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    const queued: QueueSnapshot['queued'] = [];
    fields.forEach(([err, values], i) => {
      const [createdAt, params] = (values ?? []) as (string | null)[];
      // A record that expired or moved since SMEMBERS is simply not in line any more.
      if (err || createdAt === null || params === null) return;
      queued.push({ id: ids[i], model: (JSON.parse(params) as { model: string }).model, createdAt: JSON.parse(createdAt) as number });
    });
    return { queued: queued.sort(byQueueOrder), recentRuns: runs.map((entry) => JSON.parse(entry) as FinishedRun) };
  }

  /** The active generations are the union of the per-client admission sets (`client:<id>:active`). */
  async listActive(options: ActiveListOptions): Promise<GenerationRecord[]> {
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.quotaPrefix}client:*:active`, 'COUNT', 500);
      for (const key of keys) for (const id of await this.redis.smembers(key)) ids.add(id);
      cursor = next;
    } while (cursor !== '0');
    const records: GenerationRecord[] = [];
    for (const id of ids) {
      const record = await this.get(id);
      if (record && !isTerminal(record.status) && record.createdAt < options.createdBefore) records.push(record);
    }
    return records.sort((a, b) => a.createdAt - b.createdAt).slice(0, options.limit);
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
      // The subscriber may queue its SUBSCRIBE until connected, and waits for messages without a deadline.
      const sub = this.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
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
