import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sse';

/** A stream mixing everything servers send: BOM, comments, CRLF, CR, LF, multi-line data, named events, UTF-8. */
const SAMPLE =
  '\uFEFF: keep-alive comment\r\n' +
  'data: {"choices":[{"delta":{"content":"Grüße 🌍"}}]}\r\n\r\n' +
  'event: note\n' +
  'id: 7\n' +
  'data: first line\n' +
  'data:second line\n' +
  'data\n\n' +
  ':another comment\r' +
  'data: cr only\r\r' +
  'retry: 1000\n' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"choices":[{"delta":{"content":"Grüße 🌍"}}]}' },
  { event: 'note', data: 'first line\nsecond line\n', id: '7' },
  { event: 'message', data: 'cr only', id: '7' },
  { event: 'message', data: '[DONE]', id: '7' },
];

function parseInPieces(pieces: (Uint8Array | string)[]): SseEvent[] {
  const parser = new SseParser();
  const events = pieces.flatMap((p) => parser.feed(p));
  return [...events, ...parser.end()];
}

describe('SseParser', () => {
  it('parses the whole sample fed at once', () => {
    expect(parseInPieces([SAMPLE])).toEqual(EXPECTED);
  });

  it('gives the same events whatever byte the stream is split at', () => {
    const bytes = new TextEncoder().encode(SAMPLE);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseInPieces([bytes.slice(0, cut), bytes.slice(cut)]), `split at byte ${cut}`).toEqual(
        EXPECTED,
      );
    }
  });

  it('gives the same events whatever two characters the text is split at', () => {
    for (let a = 0; a <= SAMPLE.length; a += 3) {
      for (let b = a; b <= SAMPLE.length; b += 5) {
        expect(parseInPieces([SAMPLE.slice(0, a), SAMPLE.slice(a, b), SAMPLE.slice(b)])).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same events when fed one byte at a time', () => {
    const bytes = new TextEncoder().encode(SAMPLE);
    expect(parseInPieces([...bytes].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });

  it('returns events as soon as their blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.feed('data: a\n')).toEqual([]);
    expect(parser.feed('\ndata: b')).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('dispatches a last event that lacks its closing blank line when the stream ends', () => {
    const parser = new SseParser();
    expect(parser.feed('data: [DONE]')).toEqual([]);
    expect(parser.end()).toEqual([{ event: 'message', data: '[DONE]' }]);
  });

  it('ignores blank lines and comments that carry no data', () => {
    expect(parseInPieces(['\n\n: ping\n\n\r\n'])).toEqual([]);
  });
});
