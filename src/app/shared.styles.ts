/** Styles every component shares: buttons, fields, focus rings and the visually-hidden helper. */
import { css } from 'lit';

/** Base styles for form controls and buttons, adopted by each component next to its own styles. */
export const sharedStyles = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button {
    font: inherit;
    color: var(--mr-text);
    background: var(--mr-surface-2);
    border: 1px solid var(--mr-border);
    border-radius: var(--mr-radius);
    padding: 0.4rem 0.8rem;
    cursor: pointer;
    min-height: 2.25rem;
  }
  button:hover {
    filter: brightness(0.97);
  }
  button.primary {
    background: var(--mr-accent);
    color: var(--mr-accent-text);
    border-color: var(--mr-accent);
  }
  button.danger {
    color: var(--mr-danger);
  }
  button.danger.primary {
    background: var(--mr-danger);
    border-color: var(--mr-danger);
    color: var(--mr-bg);
  }
  button.link {
    background: none;
    border: none;
    color: var(--mr-accent);
    padding: 0.1rem 0.3rem;
    min-height: auto;
    text-decoration: underline;
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--mr-text);
    background: var(--mr-bg);
    border: 1px solid var(--mr-border);
    border-radius: var(--mr-radius);
    padding: 0.45rem 0.6rem;
  }
  :is(button, input, select, textarea, a, summary, [tabindex]):focus-visible {
    outline: 3px solid var(--mr-focus);
    outline-offset: 2px;
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.25rem;
  }
  .hint {
    color: var(--mr-muted);
    font-size: 0.875rem;
    font-weight: normal;
  }
  .error {
    color: var(--mr-danger);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  h1,
  h2,
  h3 {
    line-height: 1.25;
  }
  progress {
    width: 100%;
    height: 0.75rem;
  }
`;

/** Layout of a full-height, scrolling page view (settings, memories, models, onboarding, benchmark). */
export const pageStyles = css`
  :host {
    display: block;
    padding: 1rem;
    overflow-y: auto;
    height: 100%;
  }
`;

/** A list of model cards with a row of badges and actions each, and the form under it (the two model lists). */
export const modelListStyles = css`
  ul {
    list-style: none;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    max-width: 48rem;
  }
  li {
    border: 1px solid var(--mr-border);
    border-radius: var(--mr-radius);
    padding: 0.6rem 0.75rem;
    background: var(--mr-surface);
  }
  .row {
    display: flex;
    gap: 0.5rem;
    flex-wrap: wrap;
    align-items: center;
    margin-top: 0.4rem;
  }
  .badge {
    font-size: 0.8rem;
    padding: 0.05rem 0.45rem;
    border-radius: 999px;
    background: var(--mr-surface-2);
  }
  form {
    max-width: 40rem;
  }
  .field input:not([type='checkbox']) {
    width: 100%;
  }
  [aria-invalid='true'] {
    border-color: var(--mr-danger);
  }
`;
