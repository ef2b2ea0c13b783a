/**
 * The design tokens: CSS custom properties every component reads (colours, fonts, radius), light by default and dark
 * when the system prefers it. One sheet serves both contexts: the app's document adopts it (`:root`), and the
 * embeddable elements adopt it in their shadow roots (`:host`), where a host page overrides any token by setting it
 * on the element (`memory-r1-chat { --mr-accent: teal }`). System fonts only (no web fonts).
 */
import { css } from 'lit';

/** The tokens, for `:root` (the app) and `:host` (an embedded element). */
export const tokenStyles = css`
  :root,
  :host {
    color-scheme: light dark;
    --mr-font: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
    --mr-mono: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
    --mr-bg: #ffffff;
    --mr-surface: #f4f5f7;
    --mr-surface-2: #e8eaee;
    --mr-text: #1b1d21;
    --mr-muted: #545b66;
    --mr-border: #c9ced6;
    --mr-accent: #1f5fbf;
    --mr-accent-text: #ffffff;
    --mr-danger: #b3261e;
    --mr-ok: #1c6b3a;
    --mr-focus: #1f5fbf;
    --mr-radius: 8px;
    --mr-user-bubble: #e3ecfa;
  }
  @media (prefers-color-scheme: dark) {
    :root,
    :host {
      --mr-bg: #15171a;
      --mr-surface: #1e2126;
      --mr-surface-2: #2a2e35;
      --mr-text: #e8eaed;
      --mr-muted: #a9b0bb;
      --mr-border: #444b55;
      --mr-accent: #8ab4f8;
      --mr-accent-text: #0b1a33;
      --mr-danger: #f28b82;
      --mr-ok: #81c995;
      --mr-focus: #8ab4f8;
      --mr-user-bubble: #233553;
    }
  }
`;
