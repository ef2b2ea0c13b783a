/** Styles of `<mr-memory-inspector>`: filters, the memory list, history table, failures and the toast. */
import { css } from 'lit';

/** Layout of the memory inspector (on top of the shared and page styles). */
export const inspectorStyles = css`
  h1 {
    margin: 0 0 0.75rem;
    font-size: 1.4rem;
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
    margin-bottom: 1rem;
  }
  .filters > div {
    display: flex;
    flex-direction: column;
    min-width: 10rem;
    flex: 1;
  }
  ul.memories {
    list-style: none;
    padding: 0;
    margin: 0;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
  }
  ul.memories > li {
    border: 1px solid var(--mr-border);
    border-radius: var(--mr-radius);
    padding: 0.6rem 0.75rem;
    background: var(--mr-surface);
  }
  .text {
    margin: 0 0 0.35rem;
    overflow-wrap: anywhere;
  }
  .meta {
    font-size: 0.8rem;
    color: var(--mr-muted);
  }
  .row {
    display: flex;
    gap: 0.4rem;
    flex-wrap: wrap;
    margin-top: 0.4rem;
  }
  textarea {
    width: 100%;
    min-height: 4rem;
  }
  .toast {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    padding: 0.5rem 0.75rem;
    border-radius: var(--mr-radius);
    background: var(--mr-surface-2);
    margin-bottom: 0.75rem;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.85rem;
  }
  th,
  td {
    text-align: left;
    border-bottom: 1px solid var(--mr-border);
    padding: 0.3rem;
    vertical-align: top;
  }
  .more {
    margin-top: 0.75rem;
  }
  .history {
    margin-top: 0.5rem;
    overflow-x: auto;
  }
  .failures {
    margin-top: 1.5rem;
  }
  .failures h2 {
    font-size: 1.1rem;
  }
  .failure {
    border: 1px solid var(--mr-danger);
    border-radius: var(--mr-radius);
    padding: 0.5rem 0.75rem;
    margin-bottom: 0.5rem;
  }
  pre {
    white-space: pre-wrap;
    font-family: var(--mr-mono);
    font-size: 0.8rem;
    max-height: 8rem;
    overflow: auto;
  }
`;
