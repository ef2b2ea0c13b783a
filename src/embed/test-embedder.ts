/**
 * A deterministic stand-in `Embedder` for tests of code that only needs *some* embedder (cache, backfill): each
 * text maps to a fixed unit vector derived from its hash, and every call is recorded so tests can count work.
 */
import { throwIfAborted } from '../core/errors';
import { textHash } from '../core/ids';
import type { CallOptions, EmbedKind, Embedder } from '../core/types';

/** One recorded `embed` call. */
export interface RecordedEmbedCall {
  texts: string[];
  kind: EmbedKind;
}

/** A hash-based `Embedder` that records its calls (tests only). */
export class RecordingEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  readonly calls: RecordedEmbedCall[] = [];
  /** Runs before each call returns (tests use it to abort or change the store mid-run). */
  beforeReturn?: (call: RecordedEmbedCall) => void | Promise<void>;

  constructor(id = 'recording', dims = 8) {
    this.id = id;
    this.dims = dims;
  }

  /** Every text embedded so far, in call order. */
  get embeddedTexts(): string[] {
    return this.calls.flatMap((c) => c.texts);
  }

  async embed(texts: string[], kind: EmbedKind, opts: CallOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(opts.signal);
    const call = { texts: [...texts], kind };
    this.calls.push(call);
    await this.beforeReturn?.(call);
    return texts.map((text) => this.vectorFor(text, kind));
  }

  /** The vector this embedder returns for a text. */
  vectorFor(text: string, kind: EmbedKind): Float32Array {
    const hex = textHash(`${this.id}/${kind}/${text}`).repeat(Math.ceil(this.dims / 16));
    const v = Float32Array.from({ length: this.dims }, (_, i) => parseInt(hex[i] ?? '0', 16) - 7.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }
}
