/** Reads a Server-Sent Events stream until a terminal event (or the timeout). */
export interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

export async function readSse(url: string, timeoutMs = 90_000): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
    if (!response.ok || !response.body) throw new Error(`SSE ${url} answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event: SseEvent = { event: 'message', data: {} };
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          if (field === 'event') event.event = value;
          else if (field === 'id') event.id = value;
          else if (field === 'data') data += value;
        }
        if (!data) continue;
        event.data = JSON.parse(data) as Record<string, unknown>;
        events.push(event);
        if (TERMINAL.has(event.event)) {
          controller.abort();
          return events;
        }
      }
    }
    return events;
  } catch (error) {
    if (controller.signal.aborted && events.some((e) => TERMINAL.has(e.event))) return events;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
