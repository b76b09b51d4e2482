/**
 * The console's views, registered in this one list: the nav, the routes and the role gate
 * are all made from it. Adding a view is one line here and one file in views/.
 * Roles as the server judges them (`GET /api/v1/me`): every signed-in user is a developer
 * (their own records), auditors read the fleet, admins also publish policy.
 */
import type { ComponentType } from 'react';
import type { Me } from './server.js';
import type { ViewProps } from './view-props.js';
import { Events, Exports, Fleet, Policy, Reviews, Search } from './views/index.js';

export type { ViewProps };

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
  // Every signed-in user: the server lists only the reviews of their groups (auditors: all, read only).
  { path: '/reviews', label: 'Reviews', role: 'developer', Component: Reviews },
  { path: '/exports', label: 'SIEM exports', role: 'auditor', Component: Exports },
  { path: '/policy', label: 'Policy', role: 'admin', Component: Policy },
];

export function allowed(view: Pick<ConsoleView, 'role'>, me: Me): boolean {
  return view.role === 'developer' || (view.role === 'auditor' && me.auditor) || (view.role === 'admin' && me.admin);
}

export function roleOf(me: Me): Role {
  return me.admin ? 'admin' : me.auditor ? 'auditor' : 'developer';
}
