import type { ReactNode } from 'react';

/** One column heading: a plain string is a left-aligned text column. */
export type Column = string | { label: ReactNode; numeric?: boolean; title?: string; hidden?: boolean };

/** A right-aligned (numeric) column heading. */
export function num(label: ReactNode, title?: string): Column {
  return title === undefined ? { label, numeric: true } : { label, numeric: true, title };
}

/**
 * The one way the app's grids write their header row, so every column heading is `scope="col"`
 * (screen readers announce it with each cell) and numeric columns share the right alignment.
 * `hidden` keeps a heading for screen readers only (e.g. a column of action buttons).
 */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, i) => {
          const c = typeof column === 'string' ? { label: column } : column;
          return (
            <th key={i} scope="col" className={c.numeric === true ? 'num' : undefined} title={c.title}>
              {c.hidden === true ? <span className="visually-hidden">{c.label}</span> : c.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
