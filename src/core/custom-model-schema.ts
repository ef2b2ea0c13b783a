/**
 * The record of a custom on-device model (added by URL in the model manager) and its zod schema: https or localhost
 * URLs only, a compiled `.wasm` model library, sane context and VRAM figures. Plain data, so the store persists it,
 * the protocol carries it and `src/llm/custom-model.ts` turns it into a WebLLM model record.
 */
import { z } from 'zod';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for https URLs and for http URLs on this machine (localhost, 127.0.0.1, [::1]). */
export function isAllowedModelUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
}

const modelUrl = z.string().trim().refine(isAllowedModelUrl, {
  message: 'must be an https:// URL, or http://localhost for a server on this machine',
});

const VRAM_MESSAGE = 'must be a number of megabytes above 0 and at most 1048576, for example 2500';

/** A custom model as the user enters it and as it is persisted. */
export const customModelSchema = z.object({
  id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
      message: 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
    }),
  modelUrl,
  modelLibUrl: modelUrl.refine((u) => new URL(u).pathname.endsWith('.wasm'), {
    message: 'must point at the compiled model library (a .wasm file)',
  }),
  contextWindow: z.number().int().min(256).max(1_048_576).optional(),
  vramMB: z
    .number({ message: VRAM_MESSAGE })
    .positive({ message: VRAM_MESSAGE })
    .max(1_048_576, { message: VRAM_MESSAGE })
    .optional(),
  requiredFeatures: z.array(z.string().regex(/^[a-z0-9-]+$/)).optional(),
});

/** A validated custom model record. */
export type CustomModel = z.infer<typeof customModelSchema>;
