export { navigate, useLocation } from './router.js';
export type { Location } from './router.js';
export { compareHref, matchRoute, queryString } from './routes.js';
export type { Route } from './routes.js';
export { Link } from './link.js';
