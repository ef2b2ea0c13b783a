/**
 * The On-device (CPU) provider's model catalog and how a setting names a GGUF: a catalog id, or the URL of any GGUF
 * the app may download (https on the model hosts the Content-Security-Policy allows, or http(s) on this machine).
 * Plain data and string checks, shared by the settings (page) and the memory worker, which turns a choice into the
 * URL the CPU engine loads. The files are Qwen's own GGUF builds on Hugging Face; sizes are the files' sizes, RAM
 * the weights plus a 4,096-token KV cache and llama.cpp's buffers (as `estimateCpuMemoryBytes` counts them).
 */

/** One CPU model of the catalog. */
export interface CpuCatalogEntry {
  id: string;
  /** What the model is, for the UI. */
  label: string;
  url: string;
  /** Download size in MB. */
  sizeMB: number;
  /** Memory the model needs while running, in MB. */
  ramMB: number;
  /** A sentence on what to expect from it on a CPU. */
  speed: string;
}

const QWEN = 'https://huggingface.co/Qwen';

/** Qwen2.5 Instruct 0.5B / 1.5B / 3B, Q4_K_M, smallest first (the first is the default). */
export const CPU_CATALOG: readonly CpuCatalogEntry[] = [
  {
    id: 'Qwen2.5-0.5B-Instruct-Q4_K_M-GGUF',
    label: 'Qwen2.5 0.5B Instruct (Q4_K_M)',
    url: `${QWEN}/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf`,
    sizeMB: 491,
    ramMB: 650,
    speed: 'the fastest of the three; start here',
  },
  {
    id: 'Qwen2.5-1.5B-Instruct-Q4_K_M-GGUF',
    label: 'Qwen2.5 1.5B Instruct (Q4_K_M)',
    url: `${QWEN}/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf`,
    sizeMB: 1117,
    ramMB: 1400,
    speed: 'better answers, about three times slower than 0.5B',
  },
  {
    id: 'Qwen2.5-3B-Instruct-Q4_K_M-GGUF',
    label: 'Qwen2.5 3B Instruct (Q4_K_M)',
    url: `${QWEN}/Qwen2.5-3B-Instruct-GGUF/resolve/main/qwen2.5-3b-instruct-q4_k_m.gguf`,
    sizeMB: 2104,
    ramMB: 2520,
    speed: 'the best answers, about six times slower than 0.5B: for machines with many cores',
  },
];

/** The CPU model a first run suggests. */
export const DEFAULT_CPU_MODEL_ID = CPU_CATALOG[0]?.id ?? '';

/** The catalog entry with this id or URL. */
export function findCpuCatalogEntry(idOrUrl: string): CpuCatalogEntry | undefined {
  return CPU_CATALOG.find((e) => e.id === idOrUrl || e.url === idOrUrl);
}

/** Why a CPU model choice is not usable, as a sentence saying what to enter instead. */
export class CpuModelChoiceError extends Error {
  override readonly name = 'CpuModelChoiceError';
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);
/** Hosts the Content-Security-Policy lets the app download from (scripts/security-headers.ts, `MODEL_HOSTS`). */
const MODEL_HOST = /^(?:[\w-]+\.)*(?:huggingface\.co|hf\.co)$|^raw\.githubusercontent\.com$/;

/**
 * Checks a GGUF URL the app may download: https on Hugging Face (or raw.githubusercontent.com), or http(s) on this
 * machine. Hugging Face page links (`/blob/`) become download links (`/resolve/`). Returns the URL to use.
 * @example checkGgufUrl('https://huggingface.co/u/r/blob/main/m.gguf') // => 'https://huggingface.co/u/r/resolve/main/m.gguf'
 */
export function checkGgufUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new CpuModelChoiceError(
      `"${value.slice(0, 80)}" is neither a catalog model nor a URL. Choose a model from the list or paste the URL of a .gguf file.`,
    );
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    throw new CpuModelChoiceError('A GGUF URL must start with https:// (http:// only on localhost).');
  }
  if (!local && !MODEL_HOST.test(url.hostname)) {
    throw new CpuModelChoiceError(
      `The app may only download models from Hugging Face or this machine, not from "${url.hostname}". Upload the GGUF to a Hugging Face repository, or serve it on localhost.`,
    );
  }
  if (url.username || url.password)
    throw new CpuModelChoiceError('Remove the user name and password from the URL.');
  if (MODEL_HOST.test(url.hostname)) url.pathname = url.pathname.replace(/\/blob\//, '/resolve/');
  return url.href;
}

/**
 * Checks a CPU model choice: a catalog id (returned as it is) or a GGUF URL (checked by `checkGgufUrl`).
 * @example checkCpuModelChoice('Qwen2.5-0.5B-Instruct-Q4_K_M-GGUF') // => 'Qwen2.5-0.5B-Instruct-Q4_K_M-GGUF'
 */
export function checkCpuModelChoice(value: string): string {
  const choice = value.trim();
  if (findCpuCatalogEntry(choice)) return choice;
  if (!/^[a-z]+:\/\//i.test(choice)) {
    throw new CpuModelChoiceError(
      `"${choice.slice(0, 80)}" is not a CPU model of the catalog (${CPU_CATALOG.map((e) => e.id).join(', ')}). Choose one, or paste the URL of a .gguf file.`,
    );
  }
  return checkGgufUrl(choice);
}

/** The GGUF URL a checked choice stands for. */
export function cpuModelUrl(choice: string): string {
  return findCpuCatalogEntry(choice)?.url ?? choice;
}

/** The id a choice is shown and recorded under: the catalog id, else the file name without `.gguf`. */
export function cpuModelLabel(choice: string): string {
  const entry = findCpuCatalogEntry(choice);
  if (entry) return entry.id;
  try {
    const file = decodeURIComponent(new URL(choice).pathname.split('/').pop() ?? '');
    return file.replace(/\.gguf$/i, '') || choice;
  } catch {
    return choice;
  }
}
