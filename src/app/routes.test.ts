import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from './routes';

describe('routes', () => {
  it('round-trips every view through the URL hash', () => {
    for (const route of [
      { view: 'chat' as const },
      { view: 'chat' as const, conversationId: 'a b/c' },
      { view: 'memories' as const },
      { view: 'settings' as const },
      { view: 'models' as const },
      { view: 'benchmark' as const },
      { view: 'onboarding' as const },
    ]) {
      expect(parseRoute(routeHash(route))).toEqual(route);
    }
  });

  it('falls back to a new chat for an empty or unknown hash', () => {
    expect(parseRoute('')).toEqual({ view: 'chat' });
    expect(parseRoute('#/nope')).toEqual({ view: 'chat' });
  });
});
