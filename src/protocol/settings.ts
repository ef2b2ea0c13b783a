/**
 * The app's settings: which provider answers (WebLLM on this device's GPU, llama.cpp on its CPU, or an
 * OpenAI-compatible server on this machine),
 * which models serve each role, the embedding model, whether memory is on, the user's name (the speaker of the
 * memories their messages produce) and when a memory pass that deletes many memories waits for review. Settings are validated whenever they are read (from storage, from a shared
 * link's URL parameters, from the settings form), so a bad value produces a message saying what to fix and never a
 * half-applied setup. A local server must really be local: user text may only ever travel to this machine.
 */
import * as z from 'zod/mini';
import { AppError } from '../core/errors';
import { DEFAULT_REVIEW_THRESHOLD, type ReviewThreshold } from '../core/review-guard';
import { checkCpuModelChoice, CpuModelChoiceError } from './cpu-catalog';

/**
 * `on-device` runs WebLLM on the GPU; `cpu` runs llama.cpp (WebAssembly) on GGUF models on the CPU; `local` talks to
 * an OpenAI-compatible server on localhost.
 */
export type Provider = 'on-device' | 'cpu' | 'local';

/** How the UI names each provider. */
export const PROVIDER_NAMES: Readonly<Record<Provider, string>> = {
  'on-device': 'On-device',
  cpu: 'On-device (CPU)',
  local: 'Local server',
};

/** Where the default local server listens (llama.cpp's server default). */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/v1';

/** Value of `embeddingModel` that turns dense retrieval off (keyword search only). */
export const NO_EMBEDDINGS = 'none';

/** A setting that failed validation; `field` names the form field to fix. */
export class SettingsError extends AppError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('settings-invalid', message);
    this.field = field;
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);

/** Checks that `value` is an http(s) URL on this machine; returns it without a trailing slash. */
export function validateServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SettingsError(
      'baseUrl',
      `"${value}" is not a URL. Enter the server's address, for example ${DEFAULT_BASE_URL}.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SettingsError('baseUrl', 'The server URL must start with http:// or https://.');
  }
  if (url.hostname === '[::1]') {
    // The Content-Security-Policy cannot allow IPv6 literals, so the browser would refuse the connection.
    throw new SettingsError(
      'baseUrl',
      'Use http://127.0.0.1 (or localhost) instead of [::1] for the server URL.',
    );
  }
  if (!LOCAL_HOSTS.has(url.hostname)) {
    throw new SettingsError(
      'baseUrl',
      `"${url.hostname}" is not this machine. Only a server on localhost or 127.0.0.1 is allowed, so your words never leave your device.`,
    );
  }
  if (url.username || url.password) {
    throw new SettingsError('baseUrl', 'Remove the user name and password from the server URL.');
  }
  return url.href.replace(/\/+$/, '');
}

/** Checks a model name: non-empty, short, printable. */
export function validateModelName(value: string, field = 'model'): string {
  const name = value.trim();
  if (!name)
    throw new SettingsError(field, 'Enter a model name (the name your server lists under /v1/models).');
  if (name.length > 200 || !/^[\w.:/@+-]+$/.test(name)) {
    throw new SettingsError(
      field,
      `"${name.slice(0, 60)}" is not a valid model name: use letters, digits and . _ - : / @ + only.`,
    );
  }
  return name;
}

/** The speaker of the user's turns when they have not given a name. */
export const DEFAULT_SPEAKER = 'User';

/** Longest name the user may give. */
export const USER_NAME_MAX_LENGTH = 60;

/** Checks the user's name: trimmed, at most `USER_NAME_MAX_LENGTH` characters, no control characters; may be empty. */
export function validateUserName(value: string): string {
  const name = value.trim();
  if (name.length > USER_NAME_MAX_LENGTH) {
    throw new SettingsError(
      'userName',
      `Your name is ${name.length} characters long; use at most ${USER_NAME_MAX_LENGTH}.`,
    );
  }
  if (/\p{Cc}/u.test(name)) {
    throw new SettingsError(
      'userName',
      'Your name contains a line break, tab or other control character; remove it.',
    );
  }
  return name;
}

/**
 * The speaker the user's turns are remembered under: their name, or `User` when they gave none (or a name that
 * `validateUserName` refuses, which `validateSettings` reports before any turn is processed).
 */
export function userSpeaker(settings: Pick<Settings, 'userName'>): string {
  try {
    return validateUserName(settings.userName) || DEFAULT_SPEAKER;
  } catch {
    return DEFAULT_SPEAKER;
  }
}

const modelField = z.string().check(z.maxLength(200));

/** Most deletions the review threshold can be set to. */
export const REVIEW_MAX_DELETES_LIMIT = 1000;

/** The stored settings document. Empty model strings mean "use the default". */
export const settingsSchema = z.object({
  version: z.literal(1),
  provider: z.enum(['on-device', 'cpu', 'local']),
  baseUrl: z.string(),
  /** Server-side model name (Local server). */
  model: modelField,
  /** WebLLM model id (On-device); empty = the recommended one. */
  onDeviceModel: modelField,
  /** On-device (CPU) model: a CPU catalog id or a GGUF URL; empty = the first catalog entry. */
  cpuModel: z.string().check(z.maxLength(2000)),
  /** Per-role overrides; empty = the chat model (On-device (CPU): catalog ids or GGUF URLs too). */
  managerModel: modelField,
  answerModel: modelField,
  /** transformers.js model id, or `none` for keyword search only; empty = the default embedder. */
  embeddingModel: modelField,
  memoryEnabled: z.boolean(),
  /** The user's name, the speaker of their turns' memories; empty = `User`. Checked by `validateUserName`. */
  userName: z.string(),
  /** A memory pass deleting more memories than this waits for review (`ReviewThreshold.maxDeletes`). */
  reviewMaxDeletes: z.number(),
  /** …or deleting more than this percentage of the memories it compared (`ReviewThreshold.maxShare` × 100). */
  reviewMaxDeletePercent: z.number(),
  /** True once the user finished onboarding (or a shared link configured the app). */
  onboarded: z.boolean(),
});

/** The app's settings. */
export type Settings = z.infer<typeof settingsSchema>;

/** Settings of a first run. */
export const DEFAULT_SETTINGS: Settings = {
  version: 1,
  provider: 'on-device',
  baseUrl: DEFAULT_BASE_URL,
  model: '',
  onDeviceModel: '',
  cpuModel: '',
  managerModel: '',
  answerModel: '',
  embeddingModel: '',
  memoryEnabled: true,
  userName: '',
  reviewMaxDeletes: DEFAULT_REVIEW_THRESHOLD.maxDeletes,
  reviewMaxDeletePercent: DEFAULT_REVIEW_THRESHOLD.maxShare * 100,
  onboarded: false,
};

/** Checks the review threshold fields (before the schema, so a count left empty, NaN, is reported on its field). */
function validateReviewThreshold(input: Pick<Settings, 'reviewMaxDeletes' | 'reviewMaxDeletePercent'>): void {
  const whole = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!whole(input.reviewMaxDeletes, REVIEW_MAX_DELETES_LIMIT)) {
    throw new SettingsError(
      'reviewMaxDeletes',
      `Enter a whole number of memories from 0 to ${REVIEW_MAX_DELETES_LIMIT} (0: review every deletion).`,
    );
  }
  if (!whole(input.reviewMaxDeletePercent, 100)) {
    throw new SettingsError(
      'reviewMaxDeletePercent',
      'Enter a whole percentage from 0 to 100 (100: never hold a pass for the share it deletes).',
    );
  }
}

/** Validates a complete settings object for use; throws `SettingsError` naming the field to fix. */
export function validateSettings(input: Settings): Settings {
  validateReviewThreshold(input);
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success)
    throw new SettingsError('settings', 'These settings are malformed; reset them in Settings.');
  const s = { ...parsed.data };
  if (s.provider === 'local') {
    s.baseUrl = validateServerUrl(s.baseUrl);
    s.model = validateModelName(s.model);
  }
  s.userName = validateUserName(s.userName);
  if (s.provider === 'cpu') {
    if (s.cpuModel) s.cpuModel = validateCpuModel(s.cpuModel, 'cpuModel');
    if (s.managerModel) s.managerModel = validateCpuModel(s.managerModel, 'managerModel');
    if (s.answerModel) s.answerModel = validateCpuModel(s.answerModel, 'answerModel');
    return s;
  }
  if (s.managerModel) s.managerModel = validateModelName(s.managerModel, 'managerModel');
  if (s.answerModel) s.answerModel = validateModelName(s.answerModel, 'answerModel');
  return s;
}

/** Checks an On-device (CPU) model choice (catalog id or GGUF URL, see `checkCpuModelChoice`) for `field`. */
function validateCpuModel(value: string, field: string): string {
  try {
    return checkCpuModelChoice(value);
  } catch (err) {
    if (err instanceof CpuModelChoiceError) throw new SettingsError(field, err.message);
    throw err;
  }
}

/** The review threshold the settings choose, for the Memory Manager. */
export function reviewThreshold(
  settings: Pick<Settings, 'reviewMaxDeletes' | 'reviewMaxDeletePercent'>,
): ReviewThreshold {
  return { maxDeletes: settings.reviewMaxDeletes, maxShare: settings.reviewMaxDeletePercent / 100 };
}

/**
 * Reads settings from `?provider=local&baseUrl=…&model=…` or `?provider=cpu&model=<catalog id or GGUF URL>` (a
 * shared setup; both skip onboarding). Returns `undefined` when the URL has none of these parameters; throws
 * `SettingsError` when they are present but invalid (nothing is applied then).
 * @example settingsFromUrl(new URLSearchParams('provider=local&baseUrl=http://127.0.0.1:8787/v1&model=m'), DEFAULT_SETTINGS)
 * // => { ...DEFAULT_SETTINGS, provider: 'local', baseUrl: 'http://127.0.0.1:8787/v1', model: 'm', onboarded: true }
 */
export function settingsFromUrl(params: URLSearchParams, base: Settings): Settings | undefined {
  const provider = params.get('provider');
  const baseUrl = params.get('baseUrl');
  const model = params.get('model');
  if (provider === null && baseUrl === null && model === null) return undefined;
  const next: Settings = { ...base };
  if (provider !== null) {
    if (provider === 'local' || provider === 'cpu') next.provider = provider;
    else if (provider === 'on-device' || provider === 'webllm') next.provider = 'on-device';
    else {
      throw new SettingsError(
        'provider',
        `Unknown provider "${provider}" in the link: use "local", "on-device" or "cpu".`,
      );
    }
  }
  if (baseUrl !== null) next.baseUrl = validateServerUrl(baseUrl);
  if (model !== null) {
    if (next.provider === 'local') next.model = validateModelName(model);
    else if (next.provider === 'cpu') next.cpuModel = validateCpuModel(model, 'model');
    else next.onDeviceModel = validateModelName(model);
  }
  const valid = validateSettings(next);
  return { ...valid, onboarded: valid.provider === 'on-device' ? base.onboarded : true };
}

/** Where settings are kept in `localStorage`. */
export const SETTINGS_KEY = 'memory-r1-web/settings';

/** Loads settings from `storage`; anything missing or malformed falls back to the defaults field by field. */
export function loadSettings(storage: { getItem(key: string): string | null }): Settings {
  const raw = storage.getItem(SETTINGS_KEY);
  if (!raw) return { ...DEFAULT_SETTINGS };
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
  const merged = { ...DEFAULT_SETTINGS, ...(typeof data === 'object' && data !== null ? data : {}) };
  const parsed = settingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : { ...DEFAULT_SETTINGS };
}

/** Saves settings to `storage`. */
export function saveSettings(
  storage: { setItem(key: string, value: string): void },
  settings: Settings,
): void {
  storage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}
