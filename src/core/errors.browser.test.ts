import { describe, expect, it } from 'vitest';
import { AppError, fromErrorData, isAbortError, toErrorData } from './errors';

describe('errors across a structured clone (as between workers)', () => {
  it('round-trips code, name and message', () => {
    const data = structuredClone(toErrorData(new AppError('quota-exceeded', 'Storage is full.')));
    const back = fromErrorData(data);
    expect(back).toBeInstanceOf(AppError);
    expect((back as AppError).code).toBe('quota-exceeded');
    expect(back.message).toBe('Storage is full.');
  });
  it('rebuilds an abort as an AbortError DOMException', () => {
    const data = toErrorData(new DOMException('stopped', 'AbortError'));
    expect(isAbortError(fromErrorData(structuredClone(data)))).toBe(true);
  });
  it('normalizes a plain string rejection', () => {
    expect(toErrorData('boom')).toEqual({ name: 'Error', code: 'unexpected', message: 'boom' });
  });
});
