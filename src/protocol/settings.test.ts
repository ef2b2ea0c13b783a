import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  REVIEW_MAX_DELETES_LIMIT,
  SETTINGS_KEY,
  SettingsError,
  USER_NAME_MAX_LENGTH,
  loadSettings,
  reviewThreshold,
  saveSettings,
  settingsFromUrl,
  userSpeaker,
  validateServerUrl,
  validateSettings,
  validateUserName,
  type Settings,
} from './settings';
import { CPU_CATALOG, DEFAULT_CPU_MODEL_ID, checkGgufUrl, cpuModelLabel, cpuModelUrl } from './cpu-catalog';

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, v),
  };
}

describe('settings from a shared link', () => {
  it('prefills a local server setup and skips onboarding', () => {
    const params = new URLSearchParams('provider=local&baseUrl=http://127.0.0.1:8787/v1/&model=qwen2.5:3b');
    expect(settingsFromUrl(params, DEFAULT_SETTINGS)).toMatchObject({
      provider: 'local',
      baseUrl: 'http://127.0.0.1:8787/v1',
      model: 'qwen2.5:3b',
      onboarded: true,
    });
  });

  it('returns nothing when the link has no settings parameters', () => {
    expect(settingsFromUrl(new URLSearchParams('q=1'), DEFAULT_SETTINGS)).toBeUndefined();
  });

  it('refuses a server that is not on this machine, naming the field', () => {
    const params = new URLSearchParams('provider=local&baseUrl=https://evil.example.com/v1&model=m');
    const err: unknown = (() => {
      try {
        settingsFromUrl(params, DEFAULT_SETTINGS);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SettingsError);
    expect(err).toMatchObject({ field: 'baseUrl', code: 'settings-invalid' });
    expect((err as Error).message).toContain('evil.example.com');
  });

  it('refuses an unknown provider and a model name with markup', () => {
    expect(() => settingsFromUrl(new URLSearchParams('provider=cloud'), DEFAULT_SETTINGS)).toThrow(
      /provider/,
    );
    expect(() =>
      settingsFromUrl(new URLSearchParams('provider=local&model=<img src=x>'), DEFAULT_SETTINGS),
    ).toThrow(SettingsError);
  });
});

describe('the On-device (CPU) provider', () => {
  const gguf = 'https://huggingface.co/u/repo/resolve/main/model-q4_k_m.gguf';

  it('is prefilled from a link with a catalog id or a GGUF URL, skipping onboarding', () => {
    expect(
      settingsFromUrl(new URLSearchParams(`provider=cpu&model=${DEFAULT_CPU_MODEL_ID}`), DEFAULT_SETTINGS),
    ).toMatchObject({ provider: 'cpu', cpuModel: DEFAULT_CPU_MODEL_ID, onboarded: true });
    const local = 'http://127.0.0.1:9000/tiny-qwen2.gguf';
    expect(
      settingsFromUrl(
        new URLSearchParams(`provider=cpu&model=${encodeURIComponent(local)}`),
        DEFAULT_SETTINGS,
      ),
    ).toMatchObject({ provider: 'cpu', cpuModel: local, onboarded: true });
  });

  it('turns a Hugging Face page link into its download link', () => {
    const settings = validateSettings({
      ...DEFAULT_SETTINGS,
      provider: 'cpu',
      cpuModel: gguf.replace('/resolve/', '/blob/'),
    });
    expect(settings.cpuModel).toBe(gguf);
  });

  it('refuses hosts the app may not download from, http off localhost and unknown ids, naming the field', () => {
    const cases: [Partial<Settings>, string, RegExp][] = [
      [{ cpuModel: 'https://example.com/m.gguf' }, 'cpuModel', /Hugging Face or this machine/],
      [{ cpuModel: 'http://huggingface.co/u/r/resolve/main/m.gguf' }, 'cpuModel', /https/],
      [{ cpuModel: 'Qwen9-Giant' }, 'cpuModel', /not a CPU model of the catalog/],
      [{ cpuModel: gguf, answerModel: 'https://evil.example/x.gguf' }, 'answerModel', /evil\.example/],
    ];
    for (const [change, field, message] of cases) {
      expect(() => validateSettings({ ...DEFAULT_SETTINGS, provider: 'cpu', ...change })).toThrow(
        expect.objectContaining({ field, message: expect.stringMatching(message) }),
      );
    }
  });

  it('takes catalog ids and GGUF URLs as role models, and names the catalog entries with sizes', () => {
    const settings = validateSettings({
      ...DEFAULT_SETTINGS,
      provider: 'cpu',
      managerModel: gguf,
      answerModel: DEFAULT_CPU_MODEL_ID,
    });
    expect(settings).toMatchObject({ managerModel: gguf, answerModel: DEFAULT_CPU_MODEL_ID });
    expect(cpuModelUrl(DEFAULT_CPU_MODEL_ID)).toMatch(/^https:\/\/huggingface\.co\/Qwen\/.+\.gguf$/);
    expect(cpuModelLabel(gguf)).toBe('model-q4_k_m');
    for (const entry of CPU_CATALOG) {
      expect(entry.ramMB).toBeGreaterThan(entry.sizeMB);
      expect(checkGgufUrl(entry.url)).toBe(entry.url);
    }
  });
});

describe('validateServerUrl', () => {
  it('accepts localhost and 127.0.0.1 and rejects other hosts, [::1] and other schemes', () => {
    expect(validateServerUrl('http://localhost:11434/v1')).toBe('http://localhost:11434/v1');
    expect(validateServerUrl('http://127.0.0.1:8080/v1/')).toBe('http://127.0.0.1:8080/v1');
    expect(() => validateServerUrl('http://[::1]:8080')).toThrow(/127\.0\.0\.1/);
    expect(() => validateServerUrl('ftp://127.0.0.1/')).toThrow(/http/);
    expect(() => validateServerUrl('not a url')).toThrow(/not a URL/);
    expect(() => validateServerUrl('http://192.168.1.2:8080')).toThrow(/not this machine/);
  });
});

describe('stored settings', () => {
  it('round-trips through storage', () => {
    const storage = memoryStorage();
    const settings = {
      ...DEFAULT_SETTINGS,
      provider: 'local' as const,
      model: 'm',
      memoryEnabled: false,
      userName: 'Ana',
    };
    saveSettings(storage, settings);
    expect(loadSettings(storage)).toEqual(settings);
  });

  it('falls back to defaults when storage holds garbage', () => {
    const storage = memoryStorage();
    storage.setItem(SETTINGS_KEY, '{not json');
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS);
    storage.setItem(SETTINGS_KEY, JSON.stringify({ provider: 42 }));
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS);
  });

  it('requires a model name for the local server', () => {
    expect(() => validateSettings({ ...DEFAULT_SETTINGS, provider: 'local', model: ' ' })).toThrow(
      /model name/,
    );
  });
});

describe('the user name', () => {
  it('is trimmed and may be empty', () => {
    expect(validateUserName('  Ana Sousa ')).toBe('Ana Sousa');
    expect(validateUserName('   ')).toBe('');
    expect(validateSettings({ ...DEFAULT_SETTINGS, userName: ' Zoë ' }).userName).toBe('Zoë');
  });

  it('refuses a name too long or with control characters, naming the field', () => {
    const long = 'a'.repeat(USER_NAME_MAX_LENGTH + 1);
    expect(() => validateUserName(long)).toThrow(new RegExp(`at most ${USER_NAME_MAX_LENGTH}`));
    expect(validateUserName(` ${'a'.repeat(USER_NAME_MAX_LENGTH)} `)).toHaveLength(USER_NAME_MAX_LENGTH);
    for (const bad of ['Ana\nSpeaker: Bob', 'Ana\tB', 'A\u0000na', 'A\u007fna']) {
      expect(() => validateSettings({ ...DEFAULT_SETTINGS, userName: bad })).toThrow(
        expect.objectContaining({ field: 'userName', code: 'settings-invalid' }),
      );
    }
  });

  it('is the speaker of the user\'s turns, "User" when none (or an invalid one) is given', () => {
    expect(userSpeaker({ userName: ' Ana ' })).toBe('Ana');
    expect(userSpeaker({ userName: '' })).toBe('User');
    expect(userSpeaker({ userName: 'A\nB' })).toBe('User');
  });

  it('defaults to empty for settings stored before the field existed', () => {
    const storage = memoryStorage();
    const { userName: _omitted, ...older } = { ...DEFAULT_SETTINGS, provider: 'local' as const, model: 'm' };
    storage.setItem(SETTINGS_KEY, JSON.stringify(older));
    expect(loadSettings(storage)).toEqual({ ...older, userName: '' });
  });
});

describe('the review threshold', () => {
  it('holds passes deleting more than 5 memories or more than half of those compared, by default', () => {
    expect(reviewThreshold(DEFAULT_SETTINGS)).toEqual({ maxDeletes: 5, maxShare: 0.5 });
    expect(reviewThreshold({ reviewMaxDeletes: 0, reviewMaxDeletePercent: 100 })).toEqual({
      maxDeletes: 0,
      maxShare: 1,
    });
  });

  it('refuses counts and percentages that are not whole numbers in range, naming the field', () => {
    for (const [field, value] of [
      ['reviewMaxDeletes', -1],
      ['reviewMaxDeletes', 2.5],
      ['reviewMaxDeletes', Number.NaN],
      ['reviewMaxDeletes', REVIEW_MAX_DELETES_LIMIT + 1],
      ['reviewMaxDeletePercent', 101],
      ['reviewMaxDeletePercent', -5],
    ] as const) {
      expect(() => validateSettings({ ...DEFAULT_SETTINGS, [field]: value })).toThrow(
        expect.objectContaining({ field, code: 'settings-invalid' }),
      );
    }
  });

  it('takes the defaults for settings stored before the fields existed', () => {
    const storage = memoryStorage();
    const { reviewMaxDeletes: _a, reviewMaxDeletePercent: _b, ...older } = DEFAULT_SETTINGS;
    storage.setItem(SETTINGS_KEY, JSON.stringify(older));
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS);
  });
});
