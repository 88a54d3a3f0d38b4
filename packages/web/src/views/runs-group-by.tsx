import type { RunKeys } from './runs-columns';
import { parseGroupBy } from './runs-grouping';

/** The "Group by" selector: no grouping, or a param or tag key of the loaded runs (`param:<key>`). */
export function GroupBySelect({
  keys,
  value,
  onChange,
}: {
  keys: RunKeys;
  value: string;
  onChange: (value: string) => void;
}) {
  const params = new Set(keys.param);
  const tags = new Set(keys.tag);
  // A choice from the URL stays selectable even when no loaded run has the key.
  const current = parseGroupBy(value);
  if (current) (current.kind === 'param' ? params : tags).add(current.key);
  return (
    <select aria-label="Group by" value={current ? value : ''} onChange={(e) => onChange(e.target.value)}>
      <option value="">No grouping</option>
      <optgroup label="Group by param">
        {[...params].map((key) => (
          <option key={key} value={`param:${key}`}>
            params.{key}
          </option>
        ))}
      </optgroup>
      <optgroup label="Group by tag">
        {[...tags].map((key) => (
          <option key={key} value={`tag:${key}`}>
            tags.{key}
          </option>
        ))}
      </optgroup>
    </select>
  );
}
