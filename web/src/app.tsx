import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { AnalysisPage } from './pages/analysis/analysis-page.js';
import { ComparePage } from './pages/compare/compare-page.js';
import { LogsPage } from './pages/logs/logs-page.js';
import { SearchPage } from './pages/search/search-page.js';
import { TracePage } from './pages/trace/trace-page.js';
import { Link } from './router/link.js';
import { matchRoute, navigate, useLocation } from './router/router.js';
import { loadServices } from './stores/catalog-store.js';

const NAV = [
  { href: '/search', label: 'Traces', page: 'search' },
  { href: '/logs', label: 'Logs', page: 'logs' },
  { href: '/analysis', label: 'Where the time goes', page: 'analysis' },
] as const;

export function App(): JSX.Element {
  const location = useLocation();
  const route = matchRoute(location.path);
  useEffect(() => void loadServices(), []);
  useEffect(() => {
    document.title =
      route.page === 'trace'
        ? `trace ${route.traceID.slice(0, 8)} · diffscope`
        : route.page === 'compare'
          ? `compare ${route.traceIDs.map((id) => id.slice(0, 8)).join(' vs ')} · diffscope`
          : 'diffscope explorer';
  }, [route.page, route.page === 'trace' ? route.traceID : route.page === 'compare' ? route.traceIDs.join() : '']);
  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <nav class="topbar" aria-label="main">
        <Link href="/search" class="brand">
          diffscope
        </Link>
        {NAV.map((n) => (
          <Link
            key={n.href}
            href={n.href}
            class={`nav-link${route.page === n.page ? ' active' : ''}`}
            aria-current={route.page === n.page ? 'page' : undefined}
          >
            {n.label}
          </Link>
        ))}
        <TraceJump />
      </nav>
      <main id="main" class="main">
        {route.page === 'search' && <SearchPage location={location} />}
        {route.page === 'trace' && <TracePage traceID={route.traceID} spanParam={location.query.get('span')} />}
        {route.page === 'logs' && <LogsPage location={location} />}
        {route.page === 'analysis' && <AnalysisPage location={location} />}
        {route.page === 'compare' && <ComparePage traceIDs={route.traceIDs} />}
        {route.page === 'not-found' && (
          <p class="pad">
            Nothing at {location.path}. <Link href="/search">Search traces</Link>
          </p>
        )}
      </main>
    </div>
  );
}

function TraceJump(): JSX.Element {
  return (
    <form
      class="trace-jump"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const input = e.currentTarget.elements.namedItem('trace') as HTMLInputElement | null;
        const id = input?.value.trim();
        if (id) navigate(`/trace/${encodeURIComponent(id)}`);
      }}
    >
      <input name="trace" placeholder="Jump to trace id" aria-label="trace id" spellcheck={false} />
    </form>
  );
}
