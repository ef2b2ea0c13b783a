/** Styles of `<mr-chat>`: the message log, bubbles, rendered markdown and the composer. */
import { css } from 'lit';

/** Layout of the chat view: a scrolling log above a composer that stays at the bottom. */
export const chatStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: 0;
  }
  .log {
    flex: 1;
    overflow-y: auto;
    padding: 1rem;
    display: flex;
    flex-direction: column;
    gap: 1rem;
  }
  .empty {
    margin: auto;
    max-width: 32rem;
    text-align: center;
  }
  .msg {
    max-width: min(46rem, 100%);
    display: flex;
    flex-direction: column;
    gap: 0.3rem;
  }
  .msg.user {
    align-self: flex-end;
    align-items: flex-end;
  }
  .bubble {
    padding: 0.6rem 0.85rem;
    border-radius: 12px;
    line-height: 1.5;
    overflow-wrap: anywhere;
  }
  .user .bubble {
    background: var(--mr-user-bubble);
    white-space: pre-wrap;
  }
  .assistant .bubble {
    background: var(--mr-surface);
  }
  .markdown > :first-child {
    margin-top: 0;
  }
  .markdown > :last-child {
    margin-bottom: 0;
  }
  .markdown pre {
    overflow-x: auto;
    background: var(--mr-surface-2);
    padding: 0.5rem;
    border-radius: 6px;
  }
  .markdown code {
    font-family: var(--mr-mono);
    font-size: 0.9em;
  }
  .markdown a {
    color: var(--mr-accent);
  }
  .actions {
    display: flex;
    gap: 0.5rem;
  }
  .loading {
    padding: 0.5rem 0.75rem;
    border-top: 1px solid var(--mr-border);
  }
  .composer {
    display: flex;
    gap: 0.5rem;
    padding: 0.75rem;
    border-top: 1px solid var(--mr-border);
    background: var(--mr-bg);
    align-items: flex-end;
  }
  .composer textarea {
    flex: 1;
    resize: vertical;
    min-height: 2.75rem;
    max-height: 40vh;
  }
  .composer button {
    min-width: 5rem;
    min-height: 2.75rem;
  }
`;
