/**
 * The custom events components fire, each a typed `CustomEvent` declared once here and added to
 * `GlobalEventHandlersEventMap`, so listeners get typed `detail`s. All bubble and cross shadow roots (`composed`).
 */
import type { MemoryChange } from '../agent/memory-agent';
import type { UsedMemory } from '../core/conversation';
import type { Settings } from '../protocol/settings';

/** Where the app can navigate. */
export type Route =
  | { view: 'chat'; conversationId?: string }
  | { view: 'memories' }
  | { view: 'settings' }
  | { view: 'models' }
  | { view: 'benchmark' }
  | { view: 'onboarding' };

/** Details of each event the components fire. */
export interface MrEventDetails {
  'mr-navigate': Route;
  'mr-select-conversation': { id: string };
  'mr-new-conversation': Record<string, never>;
  'mr-rename-conversation': { id: string; title: string };
  'mr-delete-conversation': { id: string };
  'mr-settings-change': { settings: Settings };
  'mr-clear-all': Record<string, never>;
  'mr-notify': { message: string; undoBatchId?: string };
  /** A reply finished streaming (public: `<memory-r1-chat>` lets it reach the host page). */
  'mr-answer': { messageId: string; text: string; usedMemories: UsedMemory[] };
  /** Something failed: a reply, or starting the agent (public). */
  'mr-error': { code: string; message: string };
  /** The memory bank changed: a memory pass finished, or memories were edited, deleted, undone, imported (public). */
  'mr-memory-change': MemoryChange;
}

/** Creates a typed, bubbling, composed event. */
export function mrEvent<K extends keyof MrEventDetails>(
  type: K,
  detail: MrEventDetails[K],
): CustomEvent<MrEventDetails[K]> {
  return new CustomEvent(type, { detail, bubbles: true, composed: true });
}

declare global {
  interface GlobalEventHandlersEventMap {
    'mr-navigate': CustomEvent<MrEventDetails['mr-navigate']>;
    'mr-select-conversation': CustomEvent<MrEventDetails['mr-select-conversation']>;
    'mr-new-conversation': CustomEvent<MrEventDetails['mr-new-conversation']>;
    'mr-rename-conversation': CustomEvent<MrEventDetails['mr-rename-conversation']>;
    'mr-delete-conversation': CustomEvent<MrEventDetails['mr-delete-conversation']>;
    'mr-settings-change': CustomEvent<MrEventDetails['mr-settings-change']>;
    'mr-clear-all': CustomEvent<MrEventDetails['mr-clear-all']>;
    'mr-notify': CustomEvent<MrEventDetails['mr-notify']>;
    'mr-answer': CustomEvent<MrEventDetails['mr-answer']>;
    'mr-error': CustomEvent<MrEventDetails['mr-error']>;
    'mr-memory-change': CustomEvent<MrEventDetails['mr-memory-change']>;
  }
}
