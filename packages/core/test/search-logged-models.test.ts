import { describe, expect, it } from 'vitest';
import { parseLoggedModelFilter, parseLoggedModelOrderBy, type Comparison } from '../src/search/index.js';
import { errorOf } from './helpers.js';

const filterError = (filter: string): string => errorOf(() => parseLoggedModelFilter(filter));
const one = (filter: string): Comparison => {
  const parsed = parseLoggedModelFilter(filter);
  expect(parsed).toHaveLength(1);
  return parsed[0]!;
};

const STRING_OPS = "('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN')";
const ENTITIES = "['attributes', 'metrics', 'params', 'tags']";
const ATTRIBUTE_KEYS =
  "{'model_id', 'name', 'model_type', 'status', 'source_run_id', 'creation_time', 'creation_timestamp', " +
  "'creation_timestamp_ms', 'last_updated_time', 'last_updated_timestamp', 'last_updated_timestamp_ms'}";
const badOperator = (label: string, op: string): string =>
  `Invalid comparison operator for ${label}: '${op}'. Expected one of ${STRING_OPS}.`;
const notAndList = (filter: string): string =>
  `Invalid filter string: ${filter}. Expected a list of comparisons separated by 'AND' ` +
  "(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').";

describe('parseLoggedModelFilter', () => {
  it.each([undefined, '', '   '])('%j matches everything', (filter) => {
    expect(parseLoggedModelFilter(filter)).toEqual([]);
  });

  it('reads the filter a 3.11 server answered', () => {
    expect(parseLoggedModelFilter("name = 'lm'")).toEqual([
      { type: 'attribute', key: 'name', comparator: '=', value: 'lm' },
    ]);
  });

  it.each(['model_id', 'name', 'model_type', 'status', 'source_run_id', 'attributes.name'])(
    '%s takes the string comparators',
    (key) => {
      for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        expect(one(`${key} ${op} 'x%'`)).toEqual({
          type: 'attribute',
          key: key.replace('attributes.', ''),
          comparator: op,
          value: 'x%',
        });
      }
    },
  );

  it.each([
    ['creation_time', 'creation_timestamp_ms'],
    ['creation_timestamp', 'creation_timestamp_ms'],
    ['creation_timestamp_ms', 'creation_timestamp_ms'],
    ['attributes.creation_time', 'creation_timestamp_ms'],
    ['last_updated_time', 'last_updated_timestamp_ms'],
    ['last_updated_timestamp', 'last_updated_timestamp_ms'],
    ['attributes.last_updated_timestamp_ms', 'last_updated_timestamp_ms'],
    ['`creation_time`', 'creation_timestamp_ms'],
  ])('%s is the numeric attribute %s', (written, key) => {
    for (const op of ['<', '<=', '>', '>=', '=', '!='] as const) {
      expect(one(`${written} ${op} 1700000000000`)).toEqual({
        type: 'attribute',
        key,
        comparator: op,
        value: 1700000000000,
      });
    }
  });

  it('reads metrics as numbers', () => {
    expect(one('metrics.acc >= 0.9')).toEqual({ type: 'metric', key: 'acc', comparator: '>=', value: 0.9 });
    expect(one('metrics.`val loss` < -1e-3')).toEqual({
      type: 'metric',
      key: 'val loss',
      comparator: '<',
      value: -0.001,
    });
  });

  it('reads params and tags as strings, lists included', () => {
    expect(parseLoggedModelFilter("params.lr = '0.1' AND tags.`mlflow.source` LIKE '%nb%'")).toEqual([
      { type: 'param', key: 'lr', comparator: '=', value: '0.1' },
      { type: 'tag', key: 'mlflow.source', comparator: 'LIKE', value: '%nb%' },
    ]);
    expect(one("tags.t IN ('a', 'B')")).toEqual({
      type: 'tag',
      key: 't',
      comparator: 'IN',
      value: ['a', 'B'],
    });
    expect(one("model_id NOT IN ('m-1')")).toEqual({
      type: 'attribute',
      key: 'model_id',
      comparator: 'NOT IN',
      value: ['m-1'],
    });
    expect(one('params.p not in ("x",)').comparator).toBe('NOT IN');
  });

  it.each([
    ["name = 'lm'", 'lm'],
    ['name = lm', 'lm'],
    ['name = "lm"', '"lm"'],
    ['name = 5', '5'],
    ["name = 'it''s'", "it''s"],
    ["name = ''", ''],
    ["name = '(a)'", '(a)'],
  ])('takes %s as MLflow does: %j', (filter, value) => {
    expect(one(filter).value).toBe(value);
  });

  it('keeps double quotes in keys and takes backticks off', () => {
    expect(one('params."a b" = \'x\'').key).toBe('"a b"');
    expect(one("params.`a b` = 'x'").key).toBe('a b');
    expect(one("tags.a.b = 'x'").key).toBe('a.b');
  });

  it('joins clauses with AND in any case', () => {
    expect(parseLoggedModelFilter("metrics.m > 1 and name = 'x' AND tags.t != 'y'")).toHaveLength(3);
    expect(parseLoggedModelFilter("AND name = 'x' AND")).toHaveLength(1);
  });

  it.each([
    ['metric.m > 1', `Invalid entity type: 'metric'. Expected one of ${ENTITIES}.`],
    ["param.p = 'x'", `Invalid entity type: 'param'. Expected one of ${ENTITIES}.`],
    ["attribute.name = 'x'", `Invalid entity type: 'attribute'. Expected one of ${ENTITIES}.`],
    ["datasets.name = 'x'", `Invalid entity type: 'datasets'. Expected one of ${ENTITIES}.`],
    ["name like 'x'", badOperator('attributes.name', 'like')],
    ["name in ('x')", badOperator('attributes.name', 'in')],
    ["name NOT LIKE 'x'", badOperator('attributes.name', 'NOT LIKE')],
    ["name > 'x'", badOperator('attributes.name', '>')],
    ['metrics.m LIKE 1', badOperator('metrics.m', 'LIKE')],
    ['metrics.m IN (1)', badOperator('metrics.m', 'IN')],
    ["creation_time LIKE '1'", badOperator('attributes.creation_timestamp_ms', 'LIKE')],
    ["attributes.creation_time ILIKE '1'", badOperator('attributes.creation_time', 'ILIKE')],
    ["params.p >= 'a'", badOperator('params.p', '>=')],
    ["tags.t == 'a'", badOperator('tags.t', '==')],
    ["metrics.m > '1'", "Expected numeric value type for metric. Found '1'"],
    ['metrics.m > abc', 'Expected numeric value type for metric. Found abc'],
    [
      'creation_time > 0x10',
      'Expected numeric value type for numeric attribute: creation_timestamp_ms. Found 0x10',
    ],
    ["foo = 'x'", `Invalid attribute key 'foo' specified. Valid keys are '${ATTRIBUTE_KEYS}'`],
    [
      "experiment_id = '1'",
      `Invalid attribute key 'experiment_id' specified. Valid keys are '${ATTRIBUTE_KEYS}'`,
    ],
    ["Name = 'x'", `Invalid attribute key 'Name' specified. Valid keys are '${ATTRIBUTE_KEYS}'`],
    ["name = ('a')", "Invalid comparator '=' for a list of values. Use IN or NOT IN."],
    [
      'name IN ()',
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    ],
    [
      'name IN (1, 2)',
      'While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2)',
    ],
    ['tags.t IS NULL', 'Invalid comparison: tags.tIS NULL. Expected a comparison with 3 tokens.'],
    ['params.p is not null', 'Invalid comparison: params.pIS NOT NULL. Expected a comparison with 3 tokens.'],
    ["name = 'a' OR name = 'b'", notAndList(`"name = 'a' OR name = 'b'"`)],
    ["(name = 'a')", notAndList(`"(name = 'a')"`)],
    ["name = 'a';", notAndList(`"name = 'a';"`)],
    ['metrics.m >', notAndList("'metrics.m >'")],
    [
      "name = 'a'; name = 'b'",
      `Invalid filter string: "name = 'a'; name = 'b'". Expected a single SQL expression.`,
    ],
  ])('rejects %s', (filter, message) => {
    expect(filterError(filter)).toBe(message);
  });

  it('reads clauses one at a time, reporting the first bad one', () => {
    expect(filterError("name > 'a' OR x")).toBe(badOperator('attributes.name', '>'));
    expect(filterError("x OR name > 'a'")).toBe(notAndList(`"x OR name > 'a'"`));
  });

  it('looks attribute names up only after reading every clause', () => {
    expect(filterError("foo = 'x' AND metrics.m LIKE 1")).toBe(badOperator('metrics.m', 'LIKE'));
  });
});

describe('parseLoggedModelOrderBy', () => {
  it('returns nothing for no entries and appends no tie-breaker', () => {
    expect(parseLoggedModelOrderBy()).toEqual([]);
    expect(parseLoggedModelOrderBy([])).toEqual([]);
  });

  it.each([
    ['name', 'name'],
    ['model_id', 'model_id'],
    ['model_type', 'model_type'],
    ['status', 'status'],
    ['source_run_id', 'source_run_id'],
    ['creation_time', 'creation_timestamp_ms'],
    ['creation_timestamp', 'creation_timestamp_ms'],
    ['creation_timestamp_ms', 'creation_timestamp_ms'],
    ['last_updated_time', 'last_updated_timestamp_ms'],
    ['last_updated_timestamp', 'last_updated_timestamp_ms'],
  ])('orders by the attribute %s', (field, key) => {
    expect(parseLoggedModelOrderBy([{ field_name: field }])).toEqual([
      { type: 'attribute', key, ascending: true },
    ]);
    expect(parseLoggedModelOrderBy([{ field_name: field, ascending: false }])).toEqual([
      { type: 'attribute', key, ascending: false },
    ]);
  });

  it('orders by metrics, optionally on a dataset', () => {
    expect(
      parseLoggedModelOrderBy([
        { field_name: 'metrics.acc', ascending: false, dataset_name: 'eval', dataset_digest: 'abc' },
        { field_name: 'metrics.loss', dataset_digest: 'abc' },
        { field_name: 'metrics.a.b', dataset_name: '', dataset_digest: '' },
        { field_name: 'metrics.`x`' },
      ]),
    ).toEqual([
      { type: 'metric', key: 'acc', ascending: false, datasetName: 'eval', datasetDigest: 'abc' },
      { type: 'metric', key: 'loss', ascending: true, datasetDigest: 'abc' },
      { type: 'metric', key: 'a.b', ascending: true },
      { type: 'metric', key: '`x`', ascending: true },
    ]);
  });

  it('drops dataset restrictions from attributes', () => {
    expect(parseLoggedModelOrderBy([{ field_name: 'name', dataset_name: 'eval' }])).toEqual([
      { type: 'attribute', key: 'name', ascending: true },
    ]);
  });

  it.each([
    [{ field_name: 'foo' }, 'Invalid order by field name: foo'],
    [{ field_name: ' name' }, 'Invalid order by field name:  name'],
    [{ field_name: 'experiment_id' }, 'Invalid order by field name: experiment_id'],
    [{}, 'Invalid order by field name: '],
    [{ field_name: '' }, 'Invalid order by field name: '],
    [{ field_name: 'params.lr' }, 'Invalid order by field name: params.lr. Only metrics are supported.'],
    [{ field_name: 'metric.acc' }, 'Invalid order by field name: metric.acc. Only metrics are supported.'],
    [
      { field_name: 'attributes.name' },
      'Invalid order by field name: attributes.name. Only metrics are supported.',
    ],
  ])('rejects %j', (entry, message) => {
    expect(errorOf(() => parseLoggedModelOrderBy([entry]))).toBe(message);
  });
});
