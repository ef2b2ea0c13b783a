/**
 * The two loopback ports the end-to-end run uses: the built app (`vite preview`) and the OpenAI-compatible test
 * server. Defaults 4173 and 8787; `E2E_APP_PORT` / `E2E_LLM_PORT` move them, so two checkouts on one machine can run
 * their end-to-end tests at the same time without reusing each other's servers.
 */

/** Port of the built app served by `vite preview`. */
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 4173);

/** Port of the OpenAI-compatible test server. */
export const LLM_PORT = Number(process.env.E2E_LLM_PORT ?? 8787);

/** Port of the package's demo site (the static demo page and the headless API page), `E2E_APP_PORT` + 10. */
export const DEMO_PORT = APP_PORT + 10;

/** Port of the bundler example's build, `E2E_APP_PORT` + 11. */
export const EXAMPLE_PORT = APP_PORT + 11;
