/** Registers every custom element of the app under its `mr-` tag (kept apart from the classes so tests can import a class without side effects). */
import { MrApp } from './mr-app';
import { MrChat } from './mr-chat';
import { MrConversationList } from './mr-conversation-list';
import { MrCpuModels } from './mr-cpu-models';
import { MrHeldChanges } from './mr-held-changes';
import { MrMemoryPass } from './mr-memory-pass';
import { MrMemoryInspector } from './mr-memory-inspector';
import { MrModelManager } from './mr-model-manager';
import { MrOnboarding } from './mr-onboarding';
import { MrSettings } from './mr-settings';
import { MrUsedMemories } from './mr-used-memories';
import { defineAll } from './register';

const elements: (readonly [string, CustomElementConstructor])[] = [
  ['mr-conversation-list', MrConversationList],
  ['mr-memory-pass', MrMemoryPass],
  ['mr-used-memories', MrUsedMemories],
  ['mr-held-changes', MrHeldChanges],
  ['mr-chat', MrChat],
  ['mr-memory-inspector', MrMemoryInspector],
  ['mr-settings', MrSettings],
  ['mr-onboarding', MrOnboarding],
  ['mr-cpu-models', MrCpuModels],
  ['mr-model-manager', MrModelManager],
  ['mr-app', MrApp],
];

/** Defines every `mr-` element that is not defined yet. */
export function defineElements(): void {
  defineAll(elements);
}
