export { navigate, useLocation, queryString, matchRoute } from './router.js';
export type { Location, Route } from './router.js';
export { Link } from './link.js';
