/**
 * The two loopback ports the end-to-end run uses: the built app (`vite preview`) and the OpenAI-compatible test
 * server. Defaults 4173 and 8787; `E2E_APP_PORT` / `E2E_LLM_PORT` move them, so two checkouts on one machine can run
 * their end-to-end tests at the same time without reusing each other's servers.
 */

/** Port of the built app served by `vite preview`. */
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 4173);

/** Port of the OpenAI-compatible test server. */
export const LLM_PORT = Number(process.env.E2E_LLM_PORT ?? 8787);
