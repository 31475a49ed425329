import type { ComponentChildren, JSX, PartialAnchorHTMLAttributes, TargetedMouseEvent } from 'preact';
import { navigate } from './router.js';

type LinkProps = Omit<PartialAnchorHTMLAttributes<HTMLAnchorElement>, 'href' | 'role'> & { href: string; children?: ComponentChildren };

/** A real <a> (middle-click and copy-link work) that routes in-page on a plain click. */
export function Link({ href, onClick, children, ...rest }: LinkProps): JSX.Element {
  const handle = (e: TargetedMouseEvent<HTMLAnchorElement>): void => {
    if (onClick) (onClick as (ev: typeof e) => void)(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
