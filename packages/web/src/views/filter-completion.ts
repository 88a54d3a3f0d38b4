/** Completion of identifiers in a runs filter written in MLflow's search grammar. */

export interface FilterKeys {
  param: string[];
  metric: string[];
  tag: string[];
}

export interface Completion {
  /** What the list shows: `metrics.`, ``metrics.`my metric` ``. */
  label: string;
  /** The text that replaces `[from, to)` of the filter. */
  insert: string;
  from: number;
  to: number;
}

export const PREFIXES = ['metrics.', 'params.', 'tags.', 'attributes.'] as const;

/** Run attributes the filter grammar accepts (MLflow's list, aliases left out). */
const ATTRIBUTES = ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time'];

/** Every entity spelling MLflow accepts, to the keys it completes. */
const ENTITIES: Record<string, keyof FilterKeys | 'attribute'> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const LIMIT = 50;

/**
 * A key as the grammar needs it: plain when it is a bare word (dots allowed, as in `tags.mlflow.user`),
 * otherwise in backticks (``metrics.`my metric` ``). Keys holding a backtick cannot be written at all.
 */
export function quoteKey(key: string): string | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(key)) return key;
  return key.includes('`') ? undefined : `\`${key}\``;
}

/**
 * The completions for the word at `caret`: entity prefixes where an identifier may start (the start,
 * after `and` or `(`), and keys after a prefix (`metrics.ac` → `metrics.acc`). Values, comparators
 * and quoted strings get none. The replaced range runs to the end of the word under the caret.
 */
export function completionsAt(text: string, caret: number, keys: FilterKeys): Completion[] {
  const before = text.slice(0, caret);
  // An odd number of single quotes before the caret means it is inside a string value.
  if ((before.match(/'/g)?.length ?? 0) % 2 === 1) return [];
  const keyed = /([A-Za-z]+)\.(`[^`]*|[^\s`'"=<>!(),]*)$/.exec(before);
  if (keyed && ENTITIES[keyed[1]!] && identifierPosition(before.slice(0, keyed.index))) {
    const from = keyed.index;
    const to = caret + wordAfter(text.slice(caret), keyed[2]!.startsWith('`'));
    const partial = keyed[2]!.replace(/^`/, '').toLowerCase();
    const kind = ENTITIES[keyed[1]!]!;
    const candidates = kind === 'attribute' ? ATTRIBUTES : keys[kind];
    const starts: Completion[] = [];
    const contains: Completion[] = [];
    for (const key of candidates) {
      const lower = key.toLowerCase();
      const at = lower.indexOf(partial);
      const quoted = at === -1 ? undefined : quoteKey(key);
      if (quoted === undefined) continue;
      const label = `${keyed[1]}.${quoted}`;
      (at === 0 ? starts : contains).push({ label, insert: `${label} `, from, to });
    }
    const found = [...starts, ...contains].slice(0, LIMIT);
    // Nothing to offer when the word already is the one complete key.
    return found.length === 1 && text.slice(from, to) === found[0]!.label ? [] : found;
  }
  const word = /[A-Za-z_]*$/.exec(before)!;
  if (!identifierPosition(before.slice(0, word.index))) return [];
  const to = caret + (/^[A-Za-z_.]*/.exec(text.slice(caret))?.[0].length ?? 0);
  const typed = word[0].toLowerCase();
  if (!typed) return [];
  return PREFIXES.filter((p) => p.startsWith(typed) && p !== typed).map((p) => ({
    label: p,
    insert: p,
    from: word.index,
    to,
  }));
}

/** True when what precedes a word leaves room for an identifier: nothing, `and`, or `(`. */
function identifierPosition(preceding: string): boolean {
  const trimmed = preceding.trimEnd();
  if (trimmed === '') return true;
  if (trimmed.length === preceding.length) return /[(]$/.test(trimmed);
  return /(^|[\s)])and$/i.test(trimmed) || trimmed.endsWith('(');
}

/** The length of the rest of the key under the caret (through a closing backtick when quoted). */
function wordAfter(after: string, backticked: boolean): number {
  if (backticked) {
    const close = after.indexOf('`');
    return close === -1 ? 0 : close + 1;
  }
  return /^[^\s`'"=<>!(),]*/.exec(after)![0].length;
}

/** The filter with a completion applied, and where the caret goes. */
export function applyCompletion(text: string, completion: Completion): { text: string; caret: number } {
  const rest = text.slice(completion.to);
  // Don't double the space a key completion adds when one already follows.
  const insert = rest.startsWith(' ') ? completion.insert.trimEnd() : completion.insert;
  const caret = completion.from + insert.length + (insert === completion.insert ? 0 : 1);
  return { text: text.slice(0, completion.from) + insert + rest, caret };
}
