/** Formatting shared by the prompts: how a time appears to the model. */

/**
 * A time as the prompts show it, with weekday and time zone so relative dates ("yesterday", "last Friday") can be
 * resolved by the model.
 * @example formatPromptTime(Date.UTC(2023, 4, 8, 13, 56)) // => 'Monday, 8 May 2023, 13:56 UTC'
 */
export function formatPromptTime(time: number, timeZone = 'UTC'): string {
  const parts = formatter(timeZone).formatToParts(new Date(time));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')}, ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}

/** Creating an `Intl.DateTimeFormat` costs about a millisecond, and prompts are rebuilt while packing. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}
