/** One server-sent event: the fields MCP uses. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * An incremental `text/event-stream` parser: feed it decoded text as it arrives and it
 * calls `onEvent` for each complete event. Lines may end in CRLF, LF or CR, a CRLF may
 * be split across chunks, and a field may arrive in pieces.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SseLineParser {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #onRetry: (ms: number) => void;
  #buffer = '';
  #skipLeadingLf = false;
  #data: string[] = [];
  #event = '';
  #lastId: string | undefined;
  #sawId = false;

  constructor(onEvent: (event: SseEvent) => void, onRetry: (ms: number) => void = () => {}) {
    this.#onEvent = onEvent;
    this.#onRetry = onRetry;
  }

  /** The last event id the stream set (the resumption token), if any. */
  get lastEventId(): string | undefined {
    return this.#sawId ? this.#lastId : undefined;
  }

  push(text: string): void {
    let buffer = this.#buffer + text;
    let start = 0;
    if (this.#skipLeadingLf && buffer.startsWith('\n')) start = 1;
    this.#skipLeadingLf = false;
    for (;;) {
      const cr = buffer.indexOf('\r', start);
      const lf = buffer.indexOf('\n', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      this.#line(buffer.slice(start, end));
      if (buffer[end] === '\r') {
        if (end + 1 === buffer.length) this.#skipLeadingLf = true;
        else if (buffer[end + 1] === '\n') {
          start = end + 2;
          continue;
        }
      }
      start = end + 1;
    }
    buffer = buffer.slice(start);
    this.#buffer = buffer;
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) {
      this.#lastId = value;
      this.#sawId = true;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.#onRetry(Number(value));
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return;
    this.#onEvent({ event: event || 'message', data: data.join('\n'), id: this.#lastId });
  }
}
