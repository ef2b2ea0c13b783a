/**
 * An incremental parser for Server-Sent Events (the WHATWG `text/event-stream` format) as OpenAI-compatible servers
 * stream chat completions. Bytes may arrive split anywhere: inside a UTF-8 character, inside a line, between the CR
 * and LF of a CRLF. Lines end with LF, CR or CRLF; lines starting with `:` are comments; several `data:` lines
 * make one event whose data joins them with `\n`; a blank line ends an event.
 */

/** One dispatched event. `event` is `message` unless the stream named it. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Feeds bytes (or text) in, gets complete events out.
 * @example
 * const p = new SseParser();
 * p.feed('data: {"a"'); // => []
 * p.feed(':1}\n\n');     // => [{ event: 'message', data: '{"a":1}' }]
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private line = '';
  private afterCr = false;
  private atStart = true;
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;

  /** Adds the next piece of the stream and returns the events it completed. */
  feed(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.scan(text);
  }

  /**
   * Ends the stream and returns what is left. Unlike a browser's EventSource, an event that was not followed by a
   * blank line is still dispatched, because some servers close right after their last `data:` line.
   */
  end(): SseEvent[] {
    const events = this.scan(this.decoder.decode());
    if (this.line !== '') {
      this.takeLine(this.line, events);
      this.line = '';
    }
    this.dispatch(events);
    return events;
  }

  private scan(input: string): SseEvent[] {
    let text = input;
    if (this.atStart && text !== '') {
      this.atStart = false;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    const events: SseEvent[] = [];
    let start = 0;
    if (this.afterCr && text.startsWith('\n')) start = 1;
    if (text !== '') this.afterCr = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.takeLine(this.line + text.slice(start, i), events);
      this.line = '';
      if (c === 13) {
        if (i + 1 === text.length) this.afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.line += text.slice(start);
    return events;
  }

  private takeLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data.length > 0) {
      const event: SseEvent = { event: this.eventType || 'message', data: this.data.join('\n') };
      if (this.lastId !== undefined) event.id = this.lastId;
      events.push(event);
    }
    this.data = [];
    this.eventType = '';
  }
}
