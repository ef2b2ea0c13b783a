/** The app's routes in the URL hash (`#/chat/<id>`, `#/memories`, `#/settings`, `#/models`, `#/benchmark`, `#/welcome`), so Back works. */
import type { Route } from './events';

/** Parses the URL hash into a route. */
export function parseRoute(hash: string): Route {
  const [view, id] = hash.replace(/^#\/?/, '').split('/');
  switch (view) {
    case 'memories':
      return { view: 'memories' };
    case 'settings':
      return { view: 'settings' };
    case 'models':
      return { view: 'models' };
    case 'benchmark':
      return { view: 'benchmark' };
    case 'welcome':
      return { view: 'onboarding' };
    case 'chat':
      return { view: 'chat', conversationId: id ? decodeURIComponent(id) : undefined };
    default:
      return { view: 'chat' };
  }
}

/** The URL hash of a route. */
export function routeHash(route: Route): string {
  switch (route.view) {
    case 'chat':
      return route.conversationId ? `#/chat/${encodeURIComponent(route.conversationId)}` : '#/chat';
    case 'onboarding':
      return '#/welcome';
    default:
      return `#/${route.view}`;
  }
}
