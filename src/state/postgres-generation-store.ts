/**
 * Generation state in PostgreSQL, for api-servers and workers on several machines. Tables
 * are created on start. Patches are one `UPDATE ... SET record = record || $patch` each
 * (atomic); a transition adds `WHERE status = ANY($from)`, which PostgreSQL re-checks after
 * waiting for a concurrent writer's row lock, so exactly one concurrent caller wins. A
 * transition with an event (`TransitionEffects`) is one statement too: the event is inserted,
 * and the owed completion marked, only when the update matched.
 * Fan-out: `pg_notify` in the same statement as the event insert, one LISTEN connection
 * per store instance. Admission counts and inserts in one transaction under an advisory lock
 * that every admitting replica takes, so no two can both take the last slot.
 *
 * Every connect and query has a deadline (`connectTimeoutMs`, `queryTimeoutMs`, the latter
 * also as the server's statement_timeout): when the database is down or stalled, callers get
 * an error in seconds instead of waiting for it to come back.
 */
import pg from 'pg';
import { EventHub } from './event-hub.js';
import { judgeAdmission } from './admission.js';
import type {
  Admission,
  AdmissionQuota,
  GenerationEvent,
  GenerationEventType,
  GenerationRecord,
  GenerationStore,
  Move,
  QueueSnapshot,
  QueueSnapshotOptions,
  RecordPatch,
  TransitionEffects,
} from '../generation/index.js';
import type { ActiveListOptions, FinishedListOptions } from '../generation/index.js';
import { cleanPatch, DuplicateGenerationError, MissingGenerationError } from './record-patch.js';

export interface PostgresGenerationStoreOptions {
  connectionString: string;
  /** Prefix of table and channel names (lowercase letters, digits, `_`), default `diffscope_`; one per deployment sharing a database. */
  tablePrefix?: string;
  maxConnections?: number;
  /** Deadline to open a connection (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Deadline of one query, client side and as statement_timeout (default 2000 ms). */
  queryTimeoutMs?: number;
}

/** NOTIFY payloads are capped at 8000 bytes; bigger events travel as a hint and are read back. */
const MAX_NOTIFY_BYTES = 7_000;

interface EventRow {
  seq: number;
  type: GenerationEventType;
  data: Record<string, unknown>;
  at: string | number;
}

const toEvent = (row: EventRow): GenerationEvent => ({ seq: Number(row.seq), type: row.type, data: row.data, at: Number(row.at) });

/**
 * The NOTIFY of an event row (`seq`, `type`, `data`, `at` in scope) of generation `$id`, whose
 * JSON text is `$data`: the event itself, or only its id and seq when too big for a payload.
 */
function notifySql(channel: string, id: string, data: string, maxBytes: string): string {
  return `pg_notify(${channel}, CASE WHEN octet_length(${data}::text) <= ${maxBytes}
    THEN json_build_object('id', ${id}::text, 'seq', seq, 'type', type, 'data', data, 'at', at)::text
    ELSE json_build_object('id', ${id}::text, 'seq', seq)::text END)`;
}

export class PostgresGenerationStore implements GenerationStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly hub: EventHub;
  private readonly t: { generations: string; events: string; channel: string };
  private listener: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private closed = false;

  private constructor(private readonly options: PostgresGenerationStoreOptions) {
    // Prefixed by default so that a database shared with other applications has no clash.
    const prefix = options.tablePrefix ?? 'diffscope_';
    if (!/^[a-z0-9_]*$/.test(prefix)) throw new Error(`invalid table prefix "${prefix}" (use lowercase letters, digits, _)`);
    this.t = { generations: `${prefix}generations`, events: `${prefix}generation_events`, channel: `${prefix}generation_events` };
    this.pool = new pg.Pool({ ...this.clientConfig(), max: options.maxConnections ?? 10 });
    this.pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on the next query.
    });
    this.hub = new EventHub({ events: (id, after) => this.events(id, after), latestSeq: (id) => this.latestSeq(id) });
  }

  private clientConfig(): pg.ClientConfig {
    const queryTimeoutMs = this.options.queryTimeoutMs ?? 2_000;
    return {
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 2_000,
      query_timeout: queryTimeoutMs,
      statement_timeout: queryTimeoutMs,
    };
  }

  static async connect(options: PostgresGenerationStoreOptions): Promise<PostgresGenerationStore> {
    const store = new PostgresGenerationStore(options);
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    const { generations, events } = this.t;
    // Serialise concurrent first starts: CREATE TABLE IF NOT EXISTS can still race on the catalog.
    // Its own connection, without the per-query deadline: building an index on a big table takes what it takes.
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.clientConfig().connectionTimeoutMillis,
    });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [generations]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${generations} (
        id text PRIMARY KEY,
        status text NOT NULL,
        record jsonb NOT NULL,
        event_seq integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
      // The outbox (added after the table first shipped): the completion message is still owed.
      await client.query(`ALTER TABLE ${generations} ADD COLUMN IF NOT EXISTS completion_pending boolean NOT NULL DEFAULT false`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${events} (
        id text NOT NULL REFERENCES ${generations} (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (id, seq)
      )`);
      // What admission counts: only queued and running rows.
      await client.query(`CREATE INDEX IF NOT EXISTS ${generations}_active ON ${generations} (status, (record ->> 'clientId'))
        WHERE status IN ('queued', 'running')`);
      // The throughput window of queue ETAs: the latest succeeded runs (queueSnapshot).
      await client.query(`CREATE INDEX IF NOT EXISTS ${generations}_succeeded ON ${generations} (updated_at) WHERE status = 'succeeded'`);
      // What the retention sweep removes: finished generations by finish time (listFinished).
      await client.query(`CREATE INDEX IF NOT EXISTS ${generations}_finished ON ${generations} (((record ->> 'finishedAt')::numeric))
        WHERE status IN ('succeeded', 'failed', 'canceled')`);
      // What the outbox publishes again: owed completions by finish time (listPendingCompletions).
      await client.query(`CREATE INDEX IF NOT EXISTS ${generations}_completion_pending ON ${generations} (((record ->> 'finishedAt')::numeric))
        WHERE completion_pending`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async createWithinQuota(record: GenerationRecord, quota: AdmissionQuota): Promise<Admission> {
    const { generations } = this.t;
    const client = await this.pool.connect();
    // A checked-out client reports a dropped connection on itself, not on the pool.
    const onError = () => undefined;
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      // One admission at a time, across replicas; released at COMMIT/ROLLBACK.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${generations}:admission`]);
      const counted = await client.query<{ queued: string; client_queued: string; client_active: string }>(
        `SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
                count(*) FILTER (WHERE status = 'queued' AND record ->> 'clientId' = $1) AS client_queued,
                count(*) FILTER (WHERE record ->> 'clientId' = $1) AS client_active
         FROM ${generations} WHERE status IN ('queued', 'running')`,
        [record.clientId],
      );
      const row = counted.rows[0];
      const admission = judgeAdmission(
        { queued: Number(row.queued), clientQueued: Number(row.client_queued), clientActive: Number(row.client_active) },
        quota,
      );
      if (admission.admitted) {
        const inserted = await client.query(
          `INSERT INTO ${generations} (id, status, record) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
          [record.id, record.status, JSON.stringify(record)],
        );
        if (inserted.rowCount !== 1) throw new DuplicateGenerationError(record.id);
      }
      await client.query('COMMIT');
      client.off('error', onError);
      client.release();
      return admission;
    } catch (err) {
      // Not given back: closing the connection rolls the transaction back on the server, and
      // a ROLLBACK sent to a server that stopped answering would wait out another deadline.
      client.off('error', onError);
      client.release(true);
      throw err;
    }
  }

  async create(record: GenerationRecord): Promise<void> {
    const result = await this.pool.query(
      `INSERT INTO ${this.t.generations} (id, status, record) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [record.id, record.status, JSON.stringify(record)],
    );
    if (result.rowCount !== 1) throw new DuplicateGenerationError(record.id);
  }

  async get(id: string): Promise<GenerationRecord | null> {
    const result = await this.pool.query<{ record: GenerationRecord }>(`SELECT record FROM ${this.t.generations} WHERE id = $1`, [id]);
    return result.rows[0]?.record ?? null;
  }

  async update(id: string, patch: RecordPatch): Promise<GenerationRecord | null> {
    const result = await this.pool.query<{ record: GenerationRecord }>(
      `UPDATE ${this.t.generations} SET record = record || $2::jsonb, updated_at = now() WHERE id = $1 RETURNING record`,
      [id, JSON.stringify(cleanPatch(patch))],
    );
    return result.rows[0]?.record ?? null;
  }

  async transition(id: string, move: Move, patch: RecordPatch = {}, effects: TransitionEffects = {}): Promise<GenerationRecord | null> {
    const { generations, events, channel } = this.t;
    const params: unknown[] = [
      id,
      JSON.stringify({ ...cleanPatch(patch), status: move.to }),
      move.to,
      move.from,
      move.runStartedAt ?? null,
      effects.completionPending === true,
    ];
    const update = `UPDATE ${generations} SET record = record || $2::jsonb, status = $3, updated_at = now(),
         completion_pending = completion_pending OR $6::boolean${effects.event ? ', event_seq = event_seq + 1' : ''}
       WHERE id = $1 AND status = ANY($4::text[])
         AND ($5::numeric IS NULL OR (record ->> 'startedAt')::numeric = $5::numeric)
       RETURNING record, event_seq`;
    if (!effects.event) {
      const result = await this.pool.query<{ record: GenerationRecord }>(update, params);
      return result.rows[0]?.record ?? null;
    }
    // One statement: the event row exists exactly when the update matched (the sequence number is
    // bumped by that same update), and the notification goes out at commit with it.
    const body = JSON.stringify(effects.event.data);
    const result = await this.pool.query<{ record: GenerationRecord }>(
      `WITH moved AS (${update}), inserted AS (
         INSERT INTO ${events} (id, seq, type, data, at)
         SELECT $1, event_seq, $7, $8::text::jsonb, $9 FROM moved RETURNING seq, type, data, at
       )
       SELECT moved.record, ${notifySql('$10', '$1', '$8', '$11')} FROM moved, inserted`,
      [...params, effects.event.type, body, Date.now(), channel, MAX_NOTIFY_BYTES],
    );
    return result.rows[0]?.record ?? null;
  }

  async settleCompletion(id: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.t.generations} SET completion_pending = false WHERE id = $1 AND completion_pending`,
      [id],
    );
    return result.rowCount === 1;
  }

  async listPendingCompletions(options: FinishedListOptions): Promise<GenerationRecord[]> {
    // Served by the partial index <prefix>generations_completion_pending (same expression, same WHERE).
    const result = await this.pool.query<{ record: GenerationRecord }>(
      `SELECT record FROM ${this.t.generations} WHERE completion_pending AND (record ->> 'finishedAt')::numeric < $1
       ORDER BY (record ->> 'finishedAt')::numeric LIMIT $2`,
      [options.finishedBefore, options.limit],
    );
    return result.rows.map((row) => row.record);
  }

  async appendEvent(id: string, type: GenerationEventType, data: Record<string, unknown>): Promise<GenerationEvent> {
    const at = Date.now();
    const body = JSON.stringify(data);
    // One statement: the row lock on the generation orders concurrent appends, and the
    // notification is sent at commit, so listeners never hear of an event they cannot read.
    const result = await this.pool.query<EventRow>(
      `WITH bumped AS (
         UPDATE ${this.t.generations} SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq
       ), inserted AS (
         INSERT INTO ${this.t.events} (id, seq, type, data, at)
         SELECT $1, event_seq, $2, $3::text::jsonb, $4 FROM bumped RETURNING seq, type, data, at
       )
       SELECT inserted.*, ${notifySql('$5', '$1', '$3', '$6')}
       FROM inserted`,
      [id, type, body, at, this.t.channel, MAX_NOTIFY_BYTES],
    );
    const row = result.rows[0];
    if (!row) throw new MissingGenerationError(id);
    return toEvent(row);
  }

  async listActive(options: ActiveListOptions): Promise<GenerationRecord[]> {
    // Served by the partial index <prefix>generations_active (same WHERE on status).
    const result = await this.pool.query<{ record: GenerationRecord }>(
      `SELECT record FROM ${this.t.generations} WHERE status IN ('queued', 'running') AND (record ->> 'createdAt')::numeric < $1
       ORDER BY (record ->> 'createdAt')::numeric LIMIT $2`,
      [options.createdBefore, options.limit],
    );
    return result.rows.map((row) => row.record);
  }

  /** One statement; the events go with the row (ON DELETE CASCADE). */
  async remove(id: string): Promise<boolean> {
    const result = await this.pool.query(
      `DELETE FROM ${this.t.generations} WHERE id = $1 AND status IN ('succeeded', 'failed', 'canceled')`,
      [id],
    );
    return result.rowCount === 1;
  }

  async listFinished(options: FinishedListOptions): Promise<string[]> {
    // Served by the partial index <prefix>generations_finished (same expression, same WHERE on status).
    const result = await this.pool.query<{ id: string }>(
      `SELECT id FROM ${this.t.generations} WHERE status IN ('succeeded', 'failed', 'canceled') AND (record ->> 'finishedAt')::numeric < $1
       ORDER BY (record ->> 'finishedAt')::numeric LIMIT $2`,
      [options.finishedBefore, options.limit],
    );
    return result.rows.map((row) => row.id);
  }

  async events(id: string, afterSeq = 0): Promise<GenerationEvent[]> {
    const result = await this.pool.query<EventRow>(
      `SELECT seq, type, data, at FROM ${this.t.events} WHERE id = $1 AND seq > $2 ORDER BY seq`,
      [id, afterSeq],
    );
    return result.rows.map(toEvent);
  }

  private async latestSeq(id: string): Promise<number> {
    const result = await this.pool.query<{ event_seq: number }>(`SELECT event_seq FROM ${this.t.generations} WHERE id = $1`, [id]);
    return Number(result.rows[0]?.event_seq ?? 0);
  }

  async subscribe(id: string, listener: (event: GenerationEvent) => void): Promise<() => Promise<void>> {
    return this.hub.subscribe(id, listener, { onFirst: () => this.listen() });
  }

  /** One LISTEN connection per store, opened with the first subscription and reopened if it drops. */
  private listen(): Promise<void> {
    this.listening ??= (async () => {
      // The listener waits for notifications indefinitely: only its connect has a deadline.
      const client = new pg.Client({
        connectionString: this.options.connectionString,
        connectionTimeoutMillis: this.clientConfig().connectionTimeoutMillis,
      });
      client.on('error', () => undefined);
      client.on('end', () => {
        this.listener = null;
        this.listening = null;
        if (!this.closed && this.hub.ids().length > 0) {
          // Reconnect, then let every subscriber catch up on what it missed meanwhile.
          setTimeout(() => {
            this.listen()
              .then(() => this.hub.ids().forEach((id) => this.hub.dispatch(id)))
              .catch(() => undefined);
          }, 200).unref();
        }
      });
      client.on('notification', (msg) => {
        if (!msg.payload) return;
        try {
          const note = JSON.parse(msg.payload) as {
            id: string;
            seq: number;
            type?: GenerationEventType;
            data?: Record<string, unknown>;
            at?: number;
          };
          const event = note.type ? { seq: note.seq, type: note.type, data: note.data ?? {}, at: Number(note.at) } : undefined;
          this.hub.dispatch(note.id, event);
        } catch {
          // not ours
        }
      });
      await client.connect();
      await client.query(`LISTEN ${this.t.channel}`);
      this.listener = client;
    })().catch((err: unknown) => {
      this.listening = null;
      throw err;
    });
    return this.listening;
  }

  async queueSnapshot(options: QueueSnapshotOptions): Promise<QueueSnapshot> {
    const { generations } = this.t;
    const [queued, runs] = await Promise.all([
      this.pool.query<{ id: string; model: string; created_at: string }>(
        `SELECT id, record -> 'params' ->> 'model' AS model, (record ->> 'createdAt')::bigint AS created_at
         FROM ${generations} WHERE status = 'queued' ORDER BY created_at, id COLLATE "C"`,
      ),
      this.pool.query<{ model: string; started_at: string; finished_at: string }>(
        `SELECT record -> 'params' ->> 'model' AS model, (record ->> 'startedAt')::bigint AS started_at,
                (record ->> 'finishedAt')::bigint AS finished_at
         FROM ${generations} WHERE status = 'succeeded' AND record ? 'startedAt' AND record ? 'finishedAt'
         ORDER BY updated_at DESC LIMIT $1`,
        [options.recentRuns],
      ),
    ]);
    return {
      queued: queued.rows.map((r) => ({ id: r.id, model: r.model, createdAt: Number(r.created_at) })),
      recentRuns: runs.rows.map((r) => ({ model: r.model, startedAt: Number(r.started_at), finishedAt: Number(r.finished_at) })),
    };
  }

  /** Drop this prefix's tables (tests, operators). */
  async dropTables(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.t.events}, ${this.t.generations}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.clear();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
