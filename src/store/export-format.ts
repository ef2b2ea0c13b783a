/**
 * The versioned export document (`format: 'memory-r1-web/memories'`, `version: 1`, see docs/export-format.md):
 * zod schemas and `parseImport`, which validates an untrusted document completely before a store writes anything.
 * Also accepts a plain JSON list of `{text, ...}` objects (mem0-style exports), turned into ADD operations.
 *
 * Stable API: `parseImport(data: unknown): ParsedImport` (throws `ImportError`), `ParsedImport`, `PlainMemory`,
 * `memoryExportSchema`, `memoryRecordSchema`, `memoryEventSchema`, `turnFailureSchema`, `plainMemorySchema`,
 * `EXPORT_FORMAT`, `EXPORT_VERSION`, `MAX_IMPORT_MEMORIES`, `MAX_IMPORT_EVENTS`, `MAX_STRING_BYTES`,
 * `MAX_FAILURE_TEXT_BYTES`,
 * `canonicalJson(value)`, `fitFailure(failure)`, `truncateUtf8(text, maxBytes)`.
 */
import { z } from 'zod';
import { ImportError } from '../core/errors';
import { MAX_IMPORT_DEPTH as MAX_DEPTH } from '../core/json-depth';
import type { MemoryExport, MemoryRecord, TurnFailure } from '../core/types';
import { MAX_TURN_TEXT_BYTES } from '../core/memory-manager';
import { MAX_TEXT_BYTES, utf8Length } from './planning/batch-planner';
import { replayEvents } from './planning/event-replay';

/** The `format` value of an export document. */
export const EXPORT_FORMAT = 'memory-r1-web/memories';
/** The only version this code reads and writes. */
export const EXPORT_VERSION = 1;
/** Most memories one import may hold. */
export const MAX_IMPORT_MEMORIES = 200_000;
/** Most audit events one import may hold (several per memory are normal). */
export const MAX_IMPORT_EVENTS = 1_000_000;
/** Longest string anywhere in an import, in UTF-8 bytes (a memory text is limited to the same)… */
export const MAX_STRING_BYTES = MAX_TEXT_BYTES;
/** …except a failed turn's text, which is kept whole up to the longest turn the Memory Manager reads (1 MiB). */
export const MAX_FAILURE_TEXT_BYTES = MAX_TURN_TEXT_BYTES;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const time = z.number().nonnegative();
const str = z.string();

/** One stored memory, as exported. */
export const memoryRecordSchema = z.strictObject({
  id: str.min(1),
  text: str,
  speaker: str.optional(),
  conversationId: str.optional(),
  createdAt: time,
  updatedAt: time,
  sourceTurnIds: z.array(str),
  deletedAt: time.optional(),
});

/** One audit event, as exported. */
export const memoryEventSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  batchId: str.min(1),
  memoryId: str.min(1),
  type: z.enum(['ADD', 'UPDATE', 'DELETE', 'UNDO_ADD', 'UNDO_UPDATE', 'UNDO_DELETE']),
  before: str.nullable(),
  after: str.nullable(),
  turnId: str.optional(),
  modelId: str.optional(),
  speaker: str.optional(),
  conversationId: str.optional(),
  time,
});

/** One failed Memory Manager pass, as exported. */
export const turnFailureSchema = z.strictObject({
  turnId: str.min(1),
  conversationId: str.optional(),
  speaker: str.optional(),
  text: str,
  turnTime: time,
  stage: z.enum(['extract', 'retrieve', 'decide', 'apply']),
  code: str,
  message: str,
  rawOutput: str.optional(),
  modelId: str.optional(),
  time,
  attempts: z.number().int().nonnegative(),
});

/** The whole version-1 document. */
export const memoryExportSchema = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: time,
  memories: z.array(memoryRecordSchema).max(MAX_IMPORT_MEMORIES),
  events: z.array(memoryEventSchema).max(MAX_IMPORT_EVENTS),
  failures: z.array(turnFailureSchema),
});

const isoOrEpoch = z.union([z.string(), z.number()]).nullable().optional();
const optionalName = str.nullable().optional();

/** One entry of a plain list (mem0-style); fields other than these are ignored. */
export const plainMemorySchema = z.object({
  id: z.union([str.min(1), z.number()]).optional(),
  text: str.optional(),
  memory: str.optional(),
  created_at: isoOrEpoch,
  updated_at: isoOrEpoch,
  createdAt: isoOrEpoch,
  updatedAt: isoOrEpoch,
  user_id: optionalName,
  speaker: optionalName,
  conversationId: optionalName,
  conversation_id: optionalName,
});

/** A plain-list entry after validation, ready to become an ADD. */
export interface PlainMemory {
  id?: string;
  text: string;
  speaker?: string;
  conversationId?: string;
  /** Epoch ms from `created_at` (else `updated_at`), if the entry had one. */
  time?: number;
}

/** A validated import: a full export document, or plain entries to add. */
export type ParsedImport =
  { kind: 'export'; document: MemoryExport } | { kind: 'plain'; items: PlainMemory[] };

function reject(message: string): never {
  throw new ImportError(`Import rejected, nothing was imported: ${message}`);
}

function describePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || 'the document';
}

interface WalkNode {
  value: unknown;
  key: PropertyKey | undefined;
  parent: WalkNode | undefined;
  depth: number;
}

function pathOf(node: WalkNode): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let n: WalkNode | undefined = node; n?.key !== undefined; n = n.parent) path.unshift(n.key);
  return path;
}

/** Whether a node is `failures[i].text` of an export document (the one string allowed up to 1 MiB). */
function isFailureText(node: WalkNode): boolean {
  const list = node.parent?.parent;
  return node.key === 'text' && list?.key === 'failures' && list.parent?.key === undefined;
}

/** Walks the raw value once: forbidden keys, over-long strings, excessive depth, non-JSON values. */
function checkHostile(data: unknown): void {
  // Nodes link to their parent, so a path is only built for the error message.
  const stack: WalkNode[] = [{ value: data, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'string') {
      const limit = isFailureText(node) ? MAX_FAILURE_TEXT_BYTES : MAX_STRING_BYTES;
      if (value.length * 3 > limit && utf8Length(value) > limit) {
        reject(
          `${describePath(pathOf(node))} is a string over ${limit} bytes (${limit / 1024} KiB); shorten it.`,
        );
      }
      continue;
    }
    if (value === null || typeof value === 'number' || typeof value === 'boolean') continue;
    if (typeof value !== 'object') {
      reject(`${describePath(pathOf(node))} is a ${typeof value}, which JSON cannot hold.`);
    }
    if (node.depth >= MAX_DEPTH)
      reject(`${describePath(pathOf(node))} is nested deeper than ${MAX_DEPTH} levels.`);
    const depth = node.depth + 1;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], key: i, parent: node, depth });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        reject(`${describePath(pathOf(node))} has a key named "${key}", which is not allowed in an import.`);
      }
      stack.push({ value: (value as Record<string, unknown>)[key], key, parent: node, depth });
    }
  }
}

function zodMessage(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => `${describePath(issue.path)}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more problems)` : '';
  return `${issues.join('; ')}${more}.`;
}

/** The JSON text of a value with object keys sorted and undefined fields dropped, for content comparison. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function checkConsistency(doc: MemoryExport): void {
  const ids = new Set<string>();
  for (const m of doc.memories) {
    if (ids.has(m.id)) reject(`memory id "${m.id}" appears twice.`);
    ids.add(m.id);
  }
  const seqs = new Set<number>();
  for (const e of doc.events) {
    if (seqs.has(e.seq)) reject(`event seq ${e.seq} appears twice.`);
    seqs.add(e.seq);
  }
  const turns = new Set<string>();
  for (const f of doc.failures) {
    if (turns.has(f.turnId)) reject(`failure of turn "${f.turnId}" appears twice.`);
    turns.add(f.turnId);
  }
  let replayed: MemoryRecord[];
  try {
    replayed = replayEvents(doc.events);
  } catch (err) {
    return reject(`the audit log is inconsistent. ${(err as Error).message}`);
  }
  const byId = new Map(doc.memories.map((m) => [m.id, m]));
  if (replayed.length !== byId.size) {
    reject(
      `the audit log implies ${replayed.length} memories but the document lists ${byId.size}; the file was edited or truncated.`,
    );
  }
  for (const r of replayed) {
    const m = byId.get(r.id);
    if (!m) reject(`the audit log creates memory "${r.id}", which the document does not list.`);
    if (canonicalJson(m) !== canonicalJson(r)) {
      reject(`memory "${r.id}" differs from what its audit events produce; the file was edited by hand.`);
    }
  }
}

function toTime(value: string | number | null | undefined, where: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0) reject(`${where} is not an ISO date or epoch milliseconds.`);
  return ms;
}

function parsePlain(list: unknown[], pathPrefix: PropertyKey[]): PlainMemory[] {
  if (list.length > MAX_IMPORT_MEMORIES) {
    reject(`the list has ${list.length} entries; at most ${MAX_IMPORT_MEMORIES} can be imported at once.`);
  }
  return list.map((entry, i) => {
    const where = describePath([...pathPrefix, i]);
    const parsed = plainMemorySchema.safeParse(entry);
    if (!parsed.success) reject(`${where}: ${zodMessage(parsed.error)}`);
    const e = parsed.data;
    const text = e.text ?? e.memory;
    if (text === undefined || text.trim() === '') reject(`${where} has no non-empty "text" (or "memory").`);
    const time =
      toTime(e.created_at ?? e.createdAt, `${where}.created_at`) ??
      toTime(e.updated_at ?? e.updatedAt, `${where}.updated_at`);
    const speaker = e.speaker ?? e.user_id ?? undefined;
    const conversationId = e.conversationId ?? e.conversation_id ?? undefined;
    return {
      ...(e.id !== undefined && { id: String(e.id) }),
      text,
      ...(speaker !== undefined && { speaker }),
      ...(conversationId !== undefined && { conversationId }),
      ...(time !== undefined && { time }),
    };
  });
}

/**
 * Validates an import completely (a JSON string or an already parsed value) and returns what to import; throws
 * `ImportError` with the first problem found. Nothing here writes anything.
 * @example parseImport('[{"memory": "Likes tea", "user_id": "alice"}]')
 * // => { kind: 'plain', items: [{ text: 'Likes tea', speaker: 'alice' }] }
 */
export function parseImport(data: unknown): ParsedImport {
  let value = data;
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data) as unknown;
    } catch (err) {
      reject(`the file is not valid JSON (${(err as Error).message}).`);
    }
  }
  if (Array.isArray(value) && value.length > MAX_IMPORT_MEMORIES) {
    reject(`the list has ${value.length} entries; at most ${MAX_IMPORT_MEMORIES} can be imported at once.`);
  }
  checkHostile(value);
  if (Array.isArray(value)) return { kind: 'plain', items: parsePlain(value, []) };
  if (value === null || typeof value !== 'object') {
    reject('expected a Memory-R1 export object or a JSON list of memories.');
  }
  const obj = value as Record<string, unknown>;
  if (obj.format === undefined && Array.isArray(obj.results)) {
    return { kind: 'plain', items: parsePlain(obj.results, ['results']) };
  }
  if (obj.format !== EXPORT_FORMAT) {
    reject(`"format" must be "${EXPORT_FORMAT}" (or the file must be a JSON list of memories).`);
  }
  if (obj.version !== EXPORT_VERSION) {
    reject(
      `version ${JSON.stringify(obj.version)} is not supported; this app reads version ${EXPORT_VERSION}. ` +
        'Update the app to import files from newer versions.',
    );
  }
  if (Array.isArray(obj.memories) && obj.memories.length > MAX_IMPORT_MEMORIES) {
    reject(
      `the file has ${obj.memories.length} memories; at most ${MAX_IMPORT_MEMORIES} can be imported at once.`,
    );
  }
  if (Array.isArray(obj.events) && obj.events.length > MAX_IMPORT_EVENTS) {
    reject(`the file has ${obj.events.length} events; at most ${MAX_IMPORT_EVENTS} can be imported at once.`);
  }
  const parsed = memoryExportSchema.safeParse(value);
  if (!parsed.success) reject(zodMessage(parsed.error));
  const document = parsed.data as MemoryExport;
  checkConsistency(document);
  return { kind: 'export', document };
}

const TRUNCATION_MARK = ' … [truncated]';

/**
 * Cuts a text to at most `maxBytes` UTF-8 bytes (marking the cut), never splitting a character.
 * @example truncateUtf8('abcdef', 20) // => 'abcdef'
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Length(TRUNCATION_MARK);
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + TRUNCATION_MARK;
}

/**
 * A failure as stores keep it: strings longer than the import limits (a runaway model output, usually; the turn's
 * own text only beyond 1 MiB, which the Memory Manager does not read anyway) are cut, so every export stays importable.
 */
export function fitFailure(failure: TurnFailure): TurnFailure {
  const fit = (value: string) => truncateUtf8(value, MAX_STRING_BYTES);
  return {
    ...failure,
    text: truncateUtf8(failure.text, MAX_FAILURE_TEXT_BYTES),
    message: fit(failure.message),
    code: fit(failure.code),
    ...(failure.rawOutput !== undefined && { rawOutput: fit(failure.rawOutput) }),
  };
}
