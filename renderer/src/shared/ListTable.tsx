import type { ReactNode } from 'react';

/** A column head: its label, or the label with a class (e.g. "num") and a tooltip. */
export type Column = string | { label: string; className?: string; title?: string };

/**
 * A list of rows in its sideways-scrolling frame, headed by its columns: every table of the
 * window and the console. The caller gives the body (`<tbody>`) and what shows under the
 * table when it has no rows.
 */
export function ListTable({ label, className = 'list', columns, empty, children }: { label: string; className?: string; columns: readonly Column[]; empty?: ReactNode; children: ReactNode }) {
  return (
    <div className="tablewrap">
      <table className={className} aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) =>
              typeof c === 'string' ? (
                <th key={c}>{c}</th>
              ) : (
                <th key={c.label} className={c.className} title={c.title}>
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        {children}
      </table>
      {empty}
    </div>
  );
}

/** What went wrong loading a view, said where the view is. */
export function ErrorLine({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}
