/**
 * The console's views, registered in this one list: the nav, the routes and the role gate
 * are all made from it. Adding a view is one line here and one file in views/.
 * Roles as the server judges them (`GET /api/v1/me`): every signed-in user is a developer
 * (their own records), auditors read the fleet, admins also publish policy.
 */
import type { ComponentType } from 'react';
import type { Me, ServerApi } from './server.js';
import { Events, Exports, Fleet, Policy, Search } from './views/index.js';

export interface ViewProps {
  api: ServerApi;
  me: Me;
  /** The query string of the current URL (filters, the open record), read and written by the view. */
  params: URLSearchParams;
  setParams: (p: URLSearchParams, replace?: boolean) => void;
}

export type Role = 'developer' | 'auditor' | 'admin';

export interface ConsoleView {
  path: string;
  label: string;
  /** The least role that sees it. */
  role: Role;
  Component: ComponentType<ViewProps>;
}

export const VIEWS: readonly ConsoleView[] = [
  { path: '/search', label: 'Search', role: 'developer', Component: Search },
  { path: '/fleet', label: 'Fleet health', role: 'auditor', Component: Fleet },
  { path: '/events', label: 'Security events', role: 'auditor', Component: Events },
  { path: '/exports', label: 'SIEM exports', role: 'auditor', Component: Exports },
  { path: '/policy', label: 'Policy', role: 'admin', Component: Policy },
];

export function allowed(view: Pick<ConsoleView, 'role'>, me: Me): boolean {
  return view.role === 'developer' || (view.role === 'auditor' && me.auditor) || (view.role === 'admin' && me.admin);
}

export function roleOf(me: Me): Role {
  return me.admin ? 'admin' : me.auditor ? 'auditor' : 'developer';
}
