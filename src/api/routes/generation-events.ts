/**
 * `GET /v1/generations/{id}/events`: Server-Sent Events. Replays the stored events after
 * `Last-Event-ID` (or `?after=`), then streams live ones from the store's subscription
 * (every replica sees every event), with heartbeats, and closes after the terminal event.
 * Streams hold a socket each, so they are capped per client and in all (429 + Retry-After).
 *
 *   id: 3
 *   event: progress
 *   data: {"step":2,"total_steps":20,...}
 *
 * While the generation is queued, its place in line (src/generation/queue-watch.ts) comes as
 * `queued` events with `position` and `eta_ms` whenever it changes. Those are not stored: they
 * have no `id:` line (a reconnecting client resumes from the last stored event and is told its
 * place afresh) and carry the `seq` of the last stored event sent.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { QueuePlace } from '../../generation/index.js';
import { DiffscopeError } from '../../errors/index.js';
import { isRefusal } from '../../http/index.js';
import { TERMINAL_STATUSES, type GenerationEvent, type GenerationEventType } from '../../state/index.js';
import type { ApiContext } from '../api-context.js';
import { finishRequest, inRequest } from '../request-context.js';
import { loadOwned } from './generations.js';

const TERMINAL_EVENTS = new Set<GenerationEventType>(['succeeded', 'failed', 'canceled']);

export function formatSseEvent(event: GenerationEvent): string {
  const data = JSON.stringify({ ...event.data, seq: event.seq, at: new Date(event.at).toISOString() });
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${data}\n\n`;
}

/** A queued generation's place, after the stored event `seq` (no `id:`: it is not stored). */
export function formatQueuePlaceEvent(place: QueuePlace, seq: number): string {
  const data = JSON.stringify({ status: 'queued', position: place.position, eta_ms: place.etaMs, seq, at: new Date().toISOString() });
  return `event: queued\ndata: ${data}\n\n`;
}

/** Whose stream this is: the API key's client, or without keys the caller's address. */
function streamOwner(request: FastifyRequest): string {
  return request.clientId !== 'anonymous' ? `client:${request.clientId}` : `ip:${request.ip}`;
}

export function generationEventsPlugin(ctx: ApiContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // Open streams end when the server closes, or they would hold `close()` forever; clients
    // reconnect (to another replica) with Last-Event-ID.
    const open = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const close of [...open]) close();
    });

    app.get<{ Params: { id: string }; Querystring: { after?: string } }>('/v1/generations/:id/events', async (request, reply) => {
      const record = await inRequest(request, () => loadOwned(ctx.store, request.params.id, request.clientId));
      const lastHeader = request.headers['last-event-id'];
      const lastRaw = (typeof lastHeader === 'string' ? lastHeader : undefined) ?? request.query.after;
      const after = lastRaw && /^\d{1,12}$/.test(lastRaw) ? Number(lastRaw) : 0;

      const slot = ctx.streams.acquire(streamOwner(request));
      if (isRefusal(slot)) {
        const who = slot.scope === 'client' ? 'this client has' : 'the server has';
        const setting = slot.scope === 'client' ? 'DIFFSCOPE_SSE_MAX_STREAMS_PER_CLIENT' : 'DIFFSCOPE_SSE_MAX_STREAMS';
        throw new DiffscopeError(
          'DSC_ERR_API_TOO_MANY_STREAMS',
          `${who} ${slot.limit} event streams open (${setting}); close one or retry later`,
        );
      }

      reply.hijack();
      const raw = reply.raw;
      const headers: Record<string, string | number | string[]> = {};
      for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
      raw.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(': stream open\nretry: 2000\n\n');

      let lastSeq = after;
      let lastType: GenerationEventType | undefined;
      let closed = false;
      let unwatchPlace: (() => void) | undefined;
      // Told its place only while queued: from the replay's end, and again after a retry's `queued`.
      const watchPlace = (on: boolean) => {
        if (!on) {
          unwatchPlace?.();
          unwatchPlace = undefined;
        } else if (!unwatchPlace && !closed) {
          unwatchPlace = ctx.queuePlaces.watch(record.id, (place) => {
            if (!closed && lastSeq >= 1) raw.write(formatQueuePlaceEvent(place, lastSeq));
          });
        }
      };
      let replaying = true;
      const buffered: GenerationEvent[] = [];
      let unsubscribe: (() => Promise<void>) | undefined;

      const close = () => {
        if (closed) return;
        closed = true;
        slot.release();
        watchPlace(false);
        open.delete(close);
        clearInterval(heartbeat);
        unsubscribe?.().catch(() => {});
        if (!raw.writableEnded) raw.end();
        finishRequest(request, 200, ctx.metrics);
      };
      const write = (event: GenerationEvent) => {
        if (closed || event.seq <= lastSeq) return;
        lastSeq = event.seq;
        lastType = event.type;
        raw.write(formatSseEvent(event));
        if (!replaying) watchPlace(event.type === 'queued');
        if (TERMINAL_EVENTS.has(event.type)) close();
      };
      open.add(close);
      const heartbeat = setInterval(() => {
        if (!closed) raw.write(': heartbeat\n\n');
      }, ctx.sseHeartbeatMs);
      heartbeat.unref();
      request.raw.on('close', close);
      raw.on('close', close);
      raw.on('error', close);

      try {
        // Subscribe before replaying so nothing falls between the two.
        unsubscribe = await ctx.store.subscribe(record.id, (event) => {
          if (replaying) buffered.push(event);
          else write(event);
        });
        if (closed) {
          await unsubscribe();
          return;
        }
        for (const event of await ctx.store.events(record.id, after)) write(event);
        replaying = false;
        buffered.sort((a, b) => a.seq - b.seq);
        for (const event of buffered.splice(0)) write(event);
        // Nothing replayed (resumed after the last stored event): the record says whether it waits.
        watchPlace((lastType ?? record.status) === 'queued');
        // Terminal record but its terminal event was already seen by this client (resume after it).
        if (!closed) {
          const current = await ctx.store.get(record.id);
          if (current && TERMINAL_STATUSES.includes(current.status)) {
            // The client resumed after the terminal event: nothing more will come.
            const all = await ctx.store.events(record.id, 0);
            if (all.some((e) => TERMINAL_EVENTS.has(e.type) && e.seq <= lastSeq)) close();
          }
        }
      } catch (err) {
        inRequest(request, () => ctx.logger.error('sse_failed', { err: err as Error }));
        close();
      }
    });
  };
}
