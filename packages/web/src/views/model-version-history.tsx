import { modelVersionHistory } from '../api-registry';
import type { ModelVersionEvent } from '../api-registry';
import { Loading } from '../components';
import { formatTime } from '../format';
import { useLoad } from '../use-load';

/** What an event changed, in words. */
export function describeEvent(e: ModelVersionEvent): string {
  switch (e.kind) {
    case 'created':
      return 'Version created';
    case 'stage_transition':
      return `Stage ${e.from_stage ?? '?'} → ${e.to_stage ?? '?'}`;
    case 'alias_set':
      return `Alias @${e.alias ?? ''} set`;
    case 'alias_removed':
      return `Alias @${e.alias ?? ''} removed`;
    default:
      // A kind from a newer server: show it rather than hide it.
      return String((e as { kind: string }).kind);
  }
}

/**
 * The version's history (Ferry's `model-versions/get-history`), newest first. `changeKey` names the
 * state the history depends on (stage, aliases), so a change made on the page reloads it.
 */
export function ModelVersionHistory({
  name,
  version,
  changeKey,
}: {
  name: string;
  version: string;
  changeKey: string;
}) {
  const events = useLoad(`${name}|${version}|${changeKey}`, () => modelVersionHistory(name, version));
  return (
    <section className="card" data-testid="version-history">
      <h2>History</h2>
      <Loading loading={events.loading} error={events.error}>
        {() =>
          events.data!.length === 0 ? (
            <p className="muted">No recorded changes</p>
          ) : (
            <table className="kv">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Change</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {events.data!.map((e) => (
                  <tr key={e.id} data-kind={e.kind}>
                    <td>{formatTime(e.timestamp)}</td>
                    <td>{describeEvent(e)}</td>
                    <td className={e.user_id ? '' : 'muted'}>{e.user_id ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
    </section>
  );
}
