import { describe, expect, it } from 'vitest';
import {
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
  parseRunOrderBy,
  type Comparison,
} from '../src/search/index.js';
import { errorOf } from './helpers.js';

const modelError = (filter: string): string => errorOf(() => parseRegisteredModelFilter(filter));
const versionError = (filter: string): string => errorOf(() => parseModelVersionFilter(filter));
const modelOrderError = (...clauses: string[]): string => errorOf(() => parseRegisteredModelOrderBy(clauses));
const versionOrderError = (...clauses: string[]): string => errorOf(() => parseModelVersionOrderBy(clauses));
const oneVersion = (filter: string): Comparison => {
  const parsed = parseModelVersionFilter(filter);
  expect(parsed).toHaveLength(1);
  return parsed[0]!;
};

const ENTITY_TYPES = "('attribute', 'tag', 'tags')";
const VERSION_KEYS = "{'source_path', 'name', 'version_number', 'run_id'}";
const VERSION_NUMERIC_KEYS = "{'version_number', 'creation_timestamp', 'last_updated_timestamp'}";
const VERSION_ORDER_KEYS = "{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}";
const LIST_ONLY_FOR_RUN_ID =
  "Only the 'run_id' attribute supports comparison with a list of quoted string values.";
const NOT_A_STRING =
  'Expected a quoted string value or a list of quoted string values for attributes. Got value';

describe('parseRegisteredModelFilter', () => {
  it.each([undefined, '', '  '])('%j matches everything', (filter) => {
    expect(parseRegisteredModelFilter(filter)).toEqual([]);
  });

  it('reads the filters a 3.11 server answered', () => {
    expect(parseRegisteredModelFilter("name LIKE 'model-%'")).toEqual([
      { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'model-%' },
    ]);
    expect(parseRegisteredModelFilter("tags.k = 'v'")).toEqual([
      { type: 'tag', key: 'k', comparator: '=', value: 'v' },
    ]);
  });

  it.each([
    ['=', '='],
    ['!=', '!='],
    ['LIKE', 'LIKE'],
    ['ilike', 'ILIKE'],
  ])('name and tags take %s', (op, comparator) => {
    expect(parseRegisteredModelFilter(`attribute.name ${op} "m%" AND tag.t ${op} 'x'`)).toEqual([
      { type: 'attribute', key: 'name', comparator, value: 'm%' },
      { type: 'tag', key: 't', comparator, value: 'x' },
    ]);
  });

  it.each([
    ["tags.`mlflow.prompt.is_prompt` = 'false'", 'mlflow.prompt.is_prompt'],
    ['tags."a b" != \'x\'', 'a b'],
    ["tags.'a b' != 'x'", 'a b'],
    ["tags.a.b = 'x'", 'a.b'],
  ])('%s', (filter, key) => {
    expect(parseRegisteredModelFilter(filter)[0]).toMatchObject({ type: 'tag', key });
  });

  it('returns the prompt tag comparison as written: the store treats a missing tag as false', () => {
    expect(parseRegisteredModelFilter("tags.`mlflow.prompt.is_prompt` != 'true'")).toEqual([
      { type: 'tag', key: 'mlflow.prompt.is_prompt', comparator: '!=', value: 'true' },
    ]);
  });

  it.each([
    ['foo = 1', "Invalid attribute key 'foo' specified. Valid keys are '{'name'}'"],
    [
      'creation_timestamp > 1',
      "Invalid attribute key 'creation_timestamp' specified. Valid keys are '{'name'}'",
    ],
    // The key is checked before its quotes come off.
    ["`name` = 'x'", "Invalid attribute key '`name`' specified. Valid keys are '{'name'}'"],
    ['"name" = \'x\'', `Invalid attribute key '"name"' specified. Valid keys are '{'name'}'`],
    ["attributes.name = 'x'", `Invalid entity type 'attributes'. Valid entity types are ${ENTITY_TYPES}`],
    ["`tags`.k = 'x'", `Invalid entity type '\`tags\`'. Valid entity types are ${ENTITY_TYPES}`],
    ["params.k = 'x'", `Invalid entity type 'params'. Valid entity types are ${ENTITY_TYPES}`],
    ['name = 1', `${NOT_A_STRING} 1`],
    ['name = 0x1F', `${NOT_A_STRING} 0x1F`],
    ["name IN ('a')", LIST_ONLY_FOR_RUN_ID],
    ["name NOT IN ('a')", LIST_ONLY_FOR_RUN_ID],
    [
      'name = abc',
      'Parameter value is either not quoted or unidentified quote types used for string value abc. ' +
        'Use either single or double quotes.',
    ],
    ['tags.k = 1', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"],
    ["name > 'a'", 'Invalid comparator for attribute: >'],
    ["name NOT LIKE 'a'", 'Invalid comparator for attribute: NOT LIKE'],
    ['name IS NULL', 'Invalid comparator for attribute: IS NULL'],
    ["tags.k >= 'a'", 'Invalid comparator for tag: >='],
    ['tags.k IS NOT NULL', 'Invalid comparator for tag: IS NOT NULL'],
    ["name = 'a' OR name = 'b'", 'Invalid clause(s) in filter string: OR'],
    ["(name = 'a')", "Invalid clause(s) in filter string: (name = 'a')"],
    ["'a' = name", "Invalid comparison clause. Expected 'Identifier' found ''a''"],
    [
      "name = 'a'; name = 'b'",
      `Search filter contained multiple expression "name = 'a'; name = 'b'". Provide AND-ed expression list.`,
    ],
  ])('rejects %s', (filter, message) => {
    expect(modelError(filter)).toBe(message);
  });

  it('reports values before comparators, clause order within each', () => {
    expect(modelError("name > 'a' AND tags.k = 1")).toBe(
      "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1",
    );
    expect(modelError("tags.k > 'a' AND name < 'b'")).toBe('Invalid comparator for tag: >');
  });
});

describe('parseModelVersionFilter', () => {
  it.each([undefined, '', ' \n'])('%j matches everything', (filter) => {
    expect(parseModelVersionFilter(filter)).toEqual([]);
  });

  it('reads the filters a 3.11 server answered', () => {
    expect(parseModelVersionFilter("name = 'model-0557b9' and version_number > 1")).toEqual([
      { type: 'attribute', key: 'name', comparator: '=', value: 'model-0557b9' },
      { type: 'attribute', key: 'version_number', comparator: '>', value: 1 },
    ]);
    expect(oneVersion("run_id IN ('3b35e11bb0144830898ab5f2d6d9e0e1')")).toEqual({
      type: 'attribute',
      key: 'run_id',
      comparator: 'IN',
      value: ['3b35e11bb0144830898ab5f2d6d9e0e1'],
    });
  });

  it.each(['name', 'run_id', 'source_path', 'attribute.source_path'])('%s takes = != LIKE ILIKE', (key) => {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(oneVersion(`${key} ${op.toLowerCase()} 'x%'`)).toEqual({
        type: 'attribute',
        key: key.replace('attribute.', ''),
        comparator: op,
        value: 'x%',
      });
    }
  });

  it('takes numeric comparators and numbers for version_number', () => {
    for (const op of ['>', '>=', '<', '<=', '=', '!='] as const) {
      expect(oneVersion(`version_number ${op} 3`)).toEqual({
        type: 'attribute',
        key: 'version_number',
        comparator: op,
        value: 3,
      });
    }
    expect(oneVersion('version_number = 1.5').value).toBe(1.5);
    expect(oneVersion('version_number > -1').value).toBe(-1);
  });

  it.each([
    ["'3'", 3],
    ['"3"', 3],
    ["' 2 '", 2],
    ["'1e1'", 10],
  ])('reads the quoted version number %s as the number it spells', (text, value) => {
    expect(oneVersion(`version_number >= ${text}`).value).toBe(value);
  });

  it('drops run ids that are not lower case and reads the list as Python literals', () => {
    expect(oneVersion("run_id in ('abc', 'ABC', \"d4\",)").value).toEqual(['abc', 'd4']);
    expect(oneVersion("run_id IN ('a1')").comparator).toBe('IN');
  });

  it('takes tags with = != LIKE ILIKE', () => {
    expect(parseModelVersionFilter("tags.`mlflow.prompt.is_prompt` = 'false' and tag.t ilike '%x%'")).toEqual(
      [
        { type: 'tag', key: 'mlflow.prompt.is_prompt', comparator: '=', value: 'false' },
        { type: 'tag', key: 't', comparator: 'ILIKE', value: '%x%' },
      ],
    );
  });

  it.each([
    ["foo = 'x'", `Invalid attribute key 'foo' specified. Valid keys are '${VERSION_KEYS}'`],
    [
      'creation_timestamp > 1',
      `Invalid attribute key 'creation_timestamp' specified. Valid keys are '${VERSION_KEYS}'`,
    ],
    ["status = 'READY'", `Invalid attribute key 'status' specified. Valid keys are '${VERSION_KEYS}'`],
    ["`run_id` = 'x'", `Invalid attribute key '\`run_id\`' specified. Valid keys are '${VERSION_KEYS}'`],
    ['metrics.m > 1', `Invalid entity type 'metrics'. Valid entity types are ${ENTITY_TYPES}`],
    ['name = 1', `Only the '${VERSION_NUMERIC_KEYS}' attributes support comparison with numeric values.`],
    ['run_id = 2.5', `Only the '${VERSION_NUMERIC_KEYS}' attributes support comparison with numeric values.`],
    ['version_number = 0x1', `${NOT_A_STRING} 0x1`],
    ["version_number IN ('1')", LIST_ONLY_FOR_RUN_ID],
    ["source_path IN ('a')", LIST_ONLY_FOR_RUN_ID],
    ['tags.t = 1', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"],
    [
      'run_id IN ()',
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    ],
    ["version_number LIKE '1%'", 'Invalid comparator for attribute version_number: LIKE'],
    ['version_number IS NULL', 'Invalid comparator for attribute version_number: IS NULL'],
    ["name > 'a'", 'Invalid comparator for attribute: >'],
    ["name IN ('a')", LIST_ONLY_FOR_RUN_ID],
    ["run_id NOT IN ('a')", 'Invalid comparator for attribute: NOT IN'],
    ["source_path NOT LIKE 'a'", 'Invalid comparator for attribute: NOT LIKE'],
    ["tags.t < 'a'", 'Invalid comparator for tag: <'],
    ['tags.t IS NULL', 'Invalid comparator for tag: IS NULL'],
    ["run_id = ('a')", "Invalid comparator '=' for a list of values. Use IN or NOT IN."],
    [
      "version_number = 'two'",
      "Expected numeric value type for numeric attribute: version_number. Found 'two'",
    ],
    ["name = 'a' OR version_number = 1", 'Invalid clause(s) in filter string: OR'],
    ['NOT version_number = 1', 'Invalid clause(s) in filter string: NOT'],
  ])('rejects %s', (filter, message) => {
    expect(versionError(filter)).toBe(message);
  });
});

describe('parseRegisteredModelOrderBy', () => {
  it('returns nothing for no clauses and appends no tie-breaker', () => {
    expect(parseRegisteredModelOrderBy()).toEqual([]);
    expect(parseRegisteredModelOrderBy([])).toEqual([]);
  });

  it.each([
    ['name', 'name', true],
    ['name DESC', 'name', false],
    ['`name` asc', 'name', true],
    ['last_updated_timestamp DESC', 'last_updated_timestamp', false],
    ['last_updated_timestamp', 'last_updated_timestamp', true],
    ['timestamp', 'last_updated_timestamp', true],
    ['timestamp DESC', 'last_updated_timestamp', false],
    ['timestamp  asc', 'last_updated_timestamp', true],
  ])('%s', (clause, key, ascending) => {
    expect(parseRegisteredModelOrderBy([clause])).toEqual([{ type: 'attribute', key, ascending }]);
  });

  it('keeps the clause order', () => {
    expect(parseRegisteredModelOrderBy(['timestamp DESC', 'name'])).toEqual([
      { type: 'attribute', key: 'last_updated_timestamp', ascending: false },
      { type: 'attribute', key: 'name', ascending: true },
    ]);
  });

  it.each([
    // As a 3.11 server answered.
    ['foo DESC', 'foo'],
    ['creation_timestamp', 'creation_timestamp'],
    ['attribute.name', 'attribute.name'],
    ['`name`', '`name`'],
    ['tags.k', 'tags.k'],
  ])('rejects the key of %s', (clause, key) => {
    expect(modelOrderError(clause)).toBe(
      `Invalid order by key '${key}' specified. Valid keys are '{'timestamp', 'name'}'`,
    );
  });

  it.each(['TIMESTAMP', 'Timestamp DESC', 'timestamp foo', 'timestamp DESC ASC', ' name', 'name, timestamp'])(
    'cannot parse %j',
    (clause) => {
      expect(modelOrderError(clause)).toBe(`Invalid order_by clause '${clause}'. Could not be parsed.`);
    },
  );

  it('rejects a bad direction', () => {
    expect(modelOrderError('name up')).toBe("Invalid ordering key in order_by clause 'name up'.");
  });

  it('rejects the same key twice, timestamp aliases included', () => {
    expect(modelOrderError('timestamp', 'last_updated_timestamp DESC')).toBe(
      "`order_by` contains duplicate fields: ['timestamp', 'last_updated_timestamp DESC']",
    );
    expect(modelOrderError('name', 'name DESC')).toContain('duplicate fields');
  });
});

describe('parseModelVersionOrderBy', () => {
  it('returns nothing for no clauses and appends no tie-breaker', () => {
    expect(parseModelVersionOrderBy()).toEqual([]);
    expect(parseModelVersionOrderBy(['version_number DESC'])).toEqual([
      { type: 'attribute', key: 'version_number', ascending: false },
    ]);
  });

  it.each([
    ['name', 'name', true],
    ['attribute.name DESC', 'name', false],
    ['creation_timestamp ASC', 'creation_timestamp', true],
    ['`last_updated_timestamp` DESC', 'last_updated_timestamp', false],
    ['version_number', 'version_number', true],
    // MLflow keeps only the key of a tag identifier.
    ['tags.name DESC', 'name', false],
  ])('%s', (clause, key, ascending) => {
    expect(parseModelVersionOrderBy([clause])).toEqual([{ type: 'attribute', key, ascending }]);
  });

  it('orders by several keys in turn', () => {
    expect(
      parseModelVersionOrderBy(['last_updated_timestamp DESC', 'name ASC', 'version_number DESC']),
    ).toEqual([
      { type: 'attribute', key: 'last_updated_timestamp', ascending: false },
      { type: 'attribute', key: 'name', ascending: true },
      { type: 'attribute', key: 'version_number', ascending: false },
    ]);
  });

  it.each([
    ['foo', `Invalid attribute key 'foo' specified. Valid keys are '${VERSION_ORDER_KEYS}'`],
    ['run_id DESC', `Invalid attribute key 'run_id' specified. Valid keys are '${VERSION_ORDER_KEYS}'`],
    ['timestamp', `Invalid attribute key 'timestamp' specified. Valid keys are '${VERSION_ORDER_KEYS}'`],
    ['tags.k', `Invalid order by key 'k' specified. Valid keys are ${VERSION_ORDER_KEYS}`],
    ['metrics.m', `Invalid entity type 'metrics'. Valid entity types are ${ENTITY_TYPES}`],
    ['name sideways', "Invalid ordering key in order_by clause 'name sideways'."],
    [
      'name DESC, version_number',
      "Invalid order_by clause 'name DESC, version_number'. Could not be parsed.",
    ],
  ])('rejects %s', (clause, message) => {
    expect(versionOrderError(clause)).toBe(message);
  });

  it('rejects duplicate keys', () => {
    expect(versionOrderError('version_number', 'version_number DESC')).toBe(
      "`order_by` contains duplicate fields: ['version_number', 'version_number DESC']",
    );
    expect(versionOrderError('name', 'tags.name')).toBe(
      "`order_by` contains duplicate fields: ['name', 'tags.name']",
    );
  });
});

describe('order_by clauses: sqlparse reads `timestamp` as a type name', () => {
  it('lets only the lower-case word through, alone or with a direction', () => {
    expect(errorOf(() => parseRunOrderBy(['timestamp DESC']))).toContain("Invalid attribute key 'timestamp'");
    expect(errorOf(() => parseRunOrderBy(['TIMESTAMP']))).toBe(
      "Invalid order_by clause 'TIMESTAMP'. Could not be parsed.",
    );
    expect(parseRunOrderBy(['tags.timestamp'])).toEqual([{ type: 'tag', key: 'timestamp', ascending: true }]);
  });
});
