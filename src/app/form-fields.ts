/**
 * Form fields shared by several views: a labelled text field whose message below it is either a hint or, when the
 * value was refused, the error (linked with `aria-describedby` and marked with `aria-invalid`), and the Local server
 * provider's Server URL and Model fields built from it, which onboarding and Settings both show. The host styles
 * `.field`, `.hint` and `.error`.
 */
import { html, nothing, type TemplateResult } from 'lit';

/** One text field: its input's id (the message's id is `<id>-msg`), label, value and the message to show. */
export interface TextFieldOptions {
  id: string;
  label: string;
  value: string;
  /** Shown below the field while there is no error. */
  hint: string;
  /** Why the value was refused; empty or absent when it was not. */
  error?: string;
  type?: 'text' | 'url' | 'number';
  inputmode?: 'url' | 'numeric';
  /** The input's `autocomplete`; default `off`. */
  autocomplete?: string;
  /** The id of a `<datalist>` of suggestions. */
  list?: string;
  placeholder?: string;
  onInput(value: string): void;
}

/** A labelled text input with its hint or error message. */
export function textField(o: TextFieldOptions): TemplateResult {
  const msg = `${o.id}-msg`;
  return html`<div class="field">
    <label for=${o.id}>${o.label}</label>
    <input
      id=${o.id}
      type=${o.type ?? 'text'}
      inputmode=${o.inputmode ?? nothing}
      autocomplete=${o.autocomplete ?? 'off'}
      list=${o.list ?? nothing}
      placeholder=${o.placeholder ?? nothing}
      .value=${o.value}
      aria-invalid=${o.error ? 'true' : 'false'}
      aria-describedby=${msg}
      @input=${(e: Event) => o.onInput((e.target as HTMLInputElement).value)}
    />
    <p id=${msg} class=${o.error ? 'error' : 'hint'}>${o.error || o.hint}</p>
  </div>`;
}

/** What the Server URL and Model fields show and where their changes go. */
export interface ServerFieldsOptions {
  /** The inputs' ids (they differ between views). */
  ids: { baseUrl: string; model: string };
  baseUrl: string;
  model: string;
  /** A refused value: `field` is `baseUrl` or `model` (as in `SettingsError`). */
  error?: { field: string; message: string };
  onBaseUrl(value: string): void;
  onModel(value: string): void;
}

/** The Local server provider's Server URL and Model fields. */
export function serverFields(o: ServerFieldsOptions): TemplateResult {
  const error = (field: string) => (o.error?.field === field ? o.error.message : '');
  return html`${textField({
    id: o.ids.baseUrl,
    label: 'Server URL',
    value: o.baseUrl,
    type: 'url',
    inputmode: 'url',
    hint: 'On this computer only, for example http://127.0.0.1:8080/v1 (llama.cpp) or http://localhost:11434/v1 (Ollama).',
    error: error('baseUrl'),
    onInput: o.onBaseUrl,
  })}
  ${textField({
    id: o.ids.model,
    label: 'Model',
    value: o.model,
    hint: 'The model name your server lists under /v1/models.',
    error: error('model'),
    onInput: o.onModel,
  })}`;
}
