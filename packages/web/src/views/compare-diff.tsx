import { memo } from 'react';
import { visibleTags } from '../components';
import { formatDuration, formatNumber } from '../format';
import { href } from '../router';
import type { Run } from '../types';
import { runName } from './compare-data';

interface DiffRow {
  group: 'Attributes' | 'Params' | 'Metrics' | 'Tags';
  key: string;
  values: string[];
  differs: boolean;
}

function rowsOf(runs: Run[]): DiffRow[] {
  const rows: DiffRow[] = [];
  const add = (group: DiffRow['group'], key: string, values: string[]) =>
    rows.push({ group, key, values, differs: values.some((v) => v !== values[0]) });
  const keys = (lists: ({ key: string }[] | undefined)[]) =>
    [...new Set(lists.flatMap((l) => (l ?? []).map((x) => x.key)))].sort((a, b) => a.localeCompare(b));

  add(
    'Attributes',
    'Status',
    runs.map((r) => r.info.status),
  );
  add(
    'Attributes',
    'Duration',
    runs.map((r) => formatDuration(r.info.start_time, r.info.end_time)),
  );
  for (const key of keys(runs.map((r) => r.data.params)))
    add(
      'Params',
      key,
      runs.map((r) => r.data.params?.find((p) => p.key === key)?.value ?? ''),
    );
  for (const key of keys(runs.map((r) => r.data.metrics)))
    add(
      'Metrics',
      key,
      runs.map((r) => {
        const m = r.data.metrics?.find((x) => x.key === key);
        return m ? formatNumber(Number(m.value)) : '';
      }),
    );
  const tags = runs.map((r) => visibleTags(r.data.tags));
  for (const key of keys(tags))
    add(
      'Tags',
      key,
      tags.map((list) => list.find((t) => t.key === key)?.value ?? ''),
    );
  return rows;
}

const STICKY = { position: 'sticky', left: 0, background: 'inherit', zIndex: 1 } as const;
const DIFFERS = '#fef3c7';

/**
 * Params, latest metrics and tags of the runs side by side; rows whose values are not all equal are
 * highlighted (`data-differs`), and `onlyDifferences` hides the others.
 */
export const DiffTable = memo(function DiffTable({
  runs,
  onlyDifferences,
}: {
  runs: Run[];
  onlyDifferences: boolean;
}) {
  const rows = rowsOf(runs).filter((r) => !onlyDifferences || r.differs);
  const groups = [...new Set(rows.map((r) => r.group))];
  return (
    <div style={{ overflow: 'auto', maxHeight: 600 }}>
      <table className="grid" data-testid="diff-table" style={{ width: 'auto', minWidth: '100%' }}>
        <thead>
          <tr style={{ background: '#f8fafc' }}>
            <th style={{ ...STICKY, minWidth: 160 }}>Run</th>
            {runs.map((r) => (
              <th key={r.info.run_id} style={{ minWidth: 120, whiteSpace: 'nowrap' }}>
                <a href={href('experiments', r.info.experiment_id, 'runs', r.info.run_id)}>{runName(r)}</a>
              </th>
            ))}
          </tr>
        </thead>
        {groups.map((group) => (
          <tbody key={group}>
            <tr style={{ background: '#f1f5f9' }}>
              <th colSpan={runs.length + 1} style={{ ...STICKY, textAlign: 'left' }}>
                {group}
              </th>
            </tr>
            {rows
              .filter((r) => r.group === group)
              .map((row) => (
                <tr
                  key={`${group}:${row.key}`}
                  data-testid="diff-row"
                  data-group={group}
                  data-key={row.key}
                  data-differs={row.differs}
                  style={{ background: row.differs ? DIFFERS : '#fff' }}
                >
                  <th style={{ ...STICKY, fontWeight: 500, textAlign: 'left' }} title={row.key}>
                    {row.key}
                  </th>
                  {row.values.map((value, i) => (
                    <td key={runs[i]!.info.run_id} className={group === 'Metrics' ? 'mono' : ''}>
                      {value}
                    </td>
                  ))}
                </tr>
              ))}
          </tbody>
        ))}
      </table>
      {rows.length === 0 && <p className="muted pad">No differences</p>}
    </div>
  );
});
