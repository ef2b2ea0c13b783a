/**
 * The Settings fields of the review threshold: a memory pass that would forget more than this many memories, or
 * more than this percentage of the memories it compared, is held under "Review changes" instead of applied.
 */
import { html, type TemplateResult } from 'lit';
import type { Settings } from '../client/settings';
import { textField } from './form-fields';

/** What the fields show and where their changes go. */
export interface ReviewFieldsOptions {
  settings: Pick<Settings, 'reviewMaxDeletes' | 'reviewMaxDeletePercent'>;
  /** The message of a refused field, by field name. */
  error(field: string): string;
  onChange(change: Partial<Pick<Settings, 'reviewMaxDeletes' | 'reviewMaxDeletePercent'>>): void;
}

/** A field's number as text; a value left empty or unreadable (NaN) shows as empty. */
function shown(n: number): string {
  return Number.isNaN(n) ? '' : String(n);
}

/** The typed text as a number (NaN when empty), for validation to check. */
function typed(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** The two review threshold fields, under their own heading. */
export function reviewFields(o: ReviewFieldsOptions): TemplateResult {
  return html`<h2>Review before forgetting</h2>
    ${textField({
      id: 'reviewMaxDeletes',
      label: 'Ask me when a memory pass would forget more than this many memories',
      value: shown(o.settings.reviewMaxDeletes),
      type: 'number',
      inputmode: 'numeric',
      hint: 'Such changes wait under "Review changes" (in the chat and in Memories) until you apply or discard them. 0: ask before every deletion.',
      error: o.error('reviewMaxDeletes'),
      onInput: (value) => o.onChange({ reviewMaxDeletes: typed(value) }),
    })}
    ${textField({
      id: 'reviewMaxDeletePercent',
      label: 'Or more than this percentage of the memories it compared',
      value: shown(o.settings.reviewMaxDeletePercent),
      type: 'number',
      inputmode: 'numeric',
      hint: 'Applies from two deletions on. 100: never ask because of the share.',
      error: o.error('reviewMaxDeletePercent'),
      onInput: (value) => o.onChange({ reviewMaxDeletePercent: typed(value) }),
    })}`;
}
