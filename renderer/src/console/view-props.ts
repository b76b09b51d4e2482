/** What every console view is given (its own file: views.ts lists the views, the views import this). */
import type { Me, ServerApi } from './server.js';

export interface ViewProps {
  api: ServerApi;
  me: Me;
  /** The query string of the current URL (filters, the open record), read and written by the view. */
  params: URLSearchParams;
  setParams: (p: URLSearchParams, replace?: boolean) => void;
}
