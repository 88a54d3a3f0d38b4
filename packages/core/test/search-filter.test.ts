import { describe, expect, it } from 'vitest';
import { parseExperimentFilter, parseRunFilter, type Comparison } from '../src/search/index.js';
import { errorOf } from './helpers.js';

const runError = (filter: string): string => errorOf(() => parseRunFilter(filter));
const experimentError = (filter: string): string => errorOf(() => parseExperimentFilter(filter));
const one = (filter: string): Comparison => {
  const parsed = parseRunFilter(filter);
  expect(parsed).toHaveLength(1);
  return parsed[0]!;
};

const PARAM_OR_TAG_SET = "{'LIKE', '=', 'IS NOT NULL', 'ILIKE', '!=', 'IS NULL'}";
const NUMERIC_SET = "{'>', '>=', '!=', '=', '<', '<='}";
const STRING_SET = "{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}";
const RUN_KEYS =
  "{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', " +
  "'created', 'Created', 'run name', 'Run name', 'Run Name'}";
const ENTITY_LIST = "['metric', 'parameter', 'tag', 'attribute', 'dataset']";

describe('parseRunFilter', () => {
  it.each([undefined, '', '   ', '\n\t'])('%j matches everything', (filter) => {
    expect(parseRunFilter(filter)).toEqual([]);
  });

  describe('metrics', () => {
    it.each(['>', '>=', '<', '<=', '=', '!='] as const)('accepts %s', (op) => {
      expect(one(`metrics.acc ${op} 0.5`)).toEqual({
        type: 'metric',
        key: 'acc',
        comparator: op,
        value: 0.5,
      });
    });

    it.each([
      ['0', 0],
      ['42', 42],
      ['-1', -1],
      ['1.5', 1.5],
      ['-0.25', -0.25],
      ['.5', 0.5],
      ['1.', 1],
      ['1e3', 1000],
      ['1.5E-3', 0.0015],
      ['-2.5e10', -2.5e10],
    ])('reads the number %s', (text, value) => {
      expect(one(`metric.m>${text}`).value).toBe(value);
    });

    it.each(["'1'", '"1"', 'abc', '0x1F', 'NULL', '(1, 2)'])('rejects the value %s', (value) => {
      expect(runError(`metrics.m > ${value}`)).toBe(`Expected numeric value type for metric. Found ${value}`);
    });

    it.each(['LIKE', 'ILIKE', 'IS NULL', '==', '<>'])('rejects the comparator %s', (op) => {
      const filter = op === 'IS NULL' ? 'metrics.m IS NULL' : `metrics.m ${op} 1`;
      expect(runError(filter)).toBe(`Invalid comparator '${op}' not one of '${NUMERIC_SET}`);
    });

    it('rejects IN with a numeric-value error first', () => {
      expect(runError('metrics.m IN (1)')).toBe('Expected numeric value type for metric. Found (1)');
    });
  });

  describe('params and tags', () => {
    it.each(['param', 'params', 'parameter', 'parameters'])('%s. is the param entity', (prefix) => {
      expect(one(`${prefix}.lr = '0.1'`)).toEqual({
        type: 'param',
        key: 'lr',
        comparator: '=',
        value: '0.1',
      });
    });

    it.each(['tag', 'tags'])('%s. is the tag entity', (prefix) => {
      expect(one(`${prefix}.k != 'v'`)).toEqual({ type: 'tag', key: 'k', comparator: '!=', value: 'v' });
    });

    it.each([
      ['=', '='],
      ['!=', '!='],
      ['LIKE', 'LIKE'],
      ['ILIKE', 'ILIKE'],
      ['like', 'LIKE'],
      ['iLike', 'ILIKE'],
    ])('accepts %s', (op, comparator) => {
      expect(one(`params.opt ${op} 'ad%'`).comparator).toBe(comparator);
      expect(one(`tags.opt ${op} 'ad_m'`).comparator).toBe(comparator);
    });

    it.each([
      ['params.lr IS NULL', 'param', 'IS NULL'],
      ['params.lr is not null', 'param', 'IS NOT NULL'],
      ['tags.x IS NOT NULL', 'tag', 'IS NOT NULL'],
      ['tags.x Is  Null', 'tag', 'IS NULL'],
    ])('%s', (filter, type, comparator) => {
      expect(one(filter)).toEqual({
        type,
        key: filter.split(' ')[0]!.split('.')[1],
        comparator,
        value: null,
      });
    });

    it('reports a bad param comparator as MLflow 3.11 does', () => {
      expect(runError("params.lr > '1'")).toBe(`Invalid comparator '>' not one of '${PARAM_OR_TAG_SET}'`);
    });

    it('reports a bad tag comparator without the closing quote, as MLflow does', () => {
      expect(runError("tags.t >= 'a'")).toBe(`Invalid comparator '>=' not one of '${PARAM_OR_TAG_SET}`);
    });

    it.each(['NOT LIKE', 'not  ilike', 'RLIKE'])('rejects %s', (op) => {
      expect(runError(`params.p ${op} 'x'`)).toBe(
        `Invalid comparator '${op.toUpperCase()}' not one of '${PARAM_OR_TAG_SET}'`,
      );
    });

    it('rejects an unquoted number', () => {
      expect(runError('params.lr = 0.1')).toBe(
        "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1",
      );
      expect(runError('tags.t = 5')).toBe(
        "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5",
      );
    });

    it('rejects a bare word', () => {
      expect(runError('params.opt = adam')).toBe(
        'Parameter value is either not quoted or unidentified quote types used for string value adam. ' +
          'Use either single or double quotes.',
      );
    });

    it('rejects a list', () => {
      expect(runError("tags.t IN ('a')")).toBe(
        "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')",
      );
    });
  });

  describe('attributes', () => {
    it.each(['', 'attribute.', 'attributes.', 'attr.', 'run.'])('%j prefix', (prefix) => {
      expect(one(`${prefix}status = 'RUNNING'`)).toEqual({
        type: 'attribute',
        key: 'status',
        comparator: '=',
        value: 'RUNNING',
      });
    });

    it.each(['run_id', 'run_name', 'status', 'user_id', 'artifact_uri'])(
      '%s takes = != LIKE ILIKE',
      (key) => {
        for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
          expect(one(`attributes.${key} ${op} 'x'`)).toEqual({
            type: 'attribute',
            key,
            comparator: op,
            value: 'x',
          });
        }
      },
    );

    it.each(['start_time', 'end_time'])('%s takes numeric comparators', (key) => {
      for (const op of ['>', '>=', '<', '<=', '=', '!='] as const) {
        expect(one(`${key} ${op} 1700000000000`)).toEqual({
          type: 'attribute',
          key,
          comparator: op,
          value: 1700000000000,
        });
      }
    });

    it.each(['created', 'Created', 'attributes.created'])('%s is start_time', (key) => {
      expect(one(`${key} > 5`)).toEqual({ type: 'attribute', key: 'start_time', comparator: '>', value: 5 });
    });

    it.each(['"run name"', '`Run name`', 'attributes.`Run Name`', "run.'run name'", 'run_name'])(
      '%s is run_name',
      (key) => {
        expect(one(`${key} = 'r1'`)).toEqual({
          type: 'attribute',
          key: 'run_name',
          comparator: '=',
          value: 'r1',
        });
      },
    );

    it('reads IN and NOT IN lists of run ids', () => {
      expect(one("run_id IN ('a1', 'b2')")).toEqual({
        type: 'attribute',
        key: 'run_id',
        comparator: 'IN',
        value: ['a1', 'b2'],
      });
      expect(one('attributes.run_id not in ("c3","d4",)')).toEqual({
        type: 'attribute',
        key: 'run_id',
        comparator: 'NOT IN',
        value: ['c3', 'd4'],
      });
      expect(one("run_id in ('a1')").value).toEqual(['a1']);
      expect(one("run_id IN ('a1',)").value).toEqual(['a1']);
    });

    it('drops run ids that are not lower case, as MLflow does', () => {
      expect(one("run_id IN ('abc', 'ABC', 'aBc', '123', 'd4')").value).toEqual(['abc', 'd4']);
    });

    it('evaluates list items as Python literals', () => {
      expect(one(String.raw`run_id IN ('it\'s', "x\ty", 'a' 'b', u'c')`).value).toEqual([
        "it's",
        'x\ty',
        'ab',
        'c',
      ]);
    });

    it('reports a bad string-attribute comparator', () => {
      expect(runError("status > 'x'")).toBe(`Invalid comparator '>' not one of '${STRING_SET}'`);
    });

    it('reports a bad numeric-attribute comparator with the string set, as MLflow does', () => {
      expect(runError('start_time LIKE 5')).toBe(`Invalid comparator 'LIKE' not one of '${STRING_SET}`);
    });

    it('rejects a non-number for a numeric attribute, naming the key as written', () => {
      expect(runError("start_time > '1'")).toBe(
        "Expected numeric value type for numeric attribute: start_time. Found '1'",
      );
      expect(runError('Created > abc')).toBe(
        'Expected numeric value type for numeric attribute: Created. Found abc',
      );
    });

    it('rejects a number for a string attribute', () => {
      expect(runError('status = 1')).toBe('Expected a quoted string value for attributes. Got value 1');
    });

    it('allows lists only for run_id', () => {
      expect(runError("status IN ('a')")).toBe(
        "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
      );
    });

    it('rejects a list with a comparator other than IN / NOT IN', () => {
      expect(runError("run_id = ('a')")).toBe(
        "Invalid comparator '=' for a list of values. Use IN or NOT IN.",
      );
    });

    it.each([
      [
        'run_id IN ()',
        'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
      ],
      [
        'run_id IN (1, 2)',
        'While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2)',
      ],
      [
        "run_id IN ('a', 1.0, -3, None, ['b'])",
        "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', 1.0, -3, None, ['b'])",
      ],
      [
        'run_id IN (1e20)',
        'While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1e+20,)',
      ],
      [
        "run_id IN ('a',,)",
        'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
      ],
      [
        'run_id IN (abc)',
        'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
      ],
      [
        "run_id IN ('a' 1)",
        'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
      ],
    ])('%s', (filter, message) => {
      expect(runError(filter)).toBe(message);
    });

    it('names every valid key when one is unknown', () => {
      expect(runError("foo = 'x'")).toBe(
        `Invalid attribute key 'foo' specified. Valid keys are '${RUN_KEYS}'`,
      );
      expect(runError("attributes.experiment_id = '1'")).toContain("Invalid attribute key 'experiment_id'");
    });
  });

  describe('datasets', () => {
    it.each(['name', 'digest', 'context'])('%s takes string comparators and lists', (key) => {
      for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        expect(one(`datasets.${key} ${op} 'x'`)).toEqual({
          type: 'dataset',
          key,
          comparator: op,
          value: 'x',
        });
      }
      expect(one(`dataset.${key} IN ('a', 'b')`).value).toEqual(['a', 'b']);
      expect(one(`dataset.${key} NOT IN ('a')`).comparator).toBe('NOT IN');
    });

    it('drops list entries that are not lower case, as MLflow does for datasets too', () => {
      expect(one("datasets.name IN ('Iris', 'wine')").value).toEqual(['wine']);
    });

    it('rejects unknown keys, numbers and bad comparators', () => {
      expect(runError("datasets.foo = 'x'")).toBe(
        "Invalid dataset key 'foo' specified. Valid keys are '{'name', 'digest', 'context'}'",
      );
      expect(runError('datasets.name = 1')).toBe(
        'Expected a quoted string value for dataset attributes. Got value 1',
      );
      expect(runError("datasets.name > 'x'")).toBe(`Invalid comparator '>' not one of '${STRING_SET}`);
    });
  });

  describe('identifiers and quoting', () => {
    it.each([
      ["tags.`mlflow.runName` = 'r'", 'tag', 'mlflow.runName'],
      ["tags.mlflow.runName = 'r'", 'tag', 'mlflow.runName'],
      ['tags."mlflow.user" = \'r\'', 'tag', 'mlflow.user'],
      ["tags.'a b' = 'r'", 'tag', 'a b'],
      ['metrics."my metric" > 1', 'metric', 'my metric'],
      ['metrics.`cross-entropy` < 1', 'metric', 'cross-entropy'],
      ['`metrics`.m > 1', 'metric', 'm'],
      ["`params`.`a.b.c` = '1'", 'param', 'a.b.c'],
      ['metrics.1st > 1', 'metric', '1st'],
      ["params.é = '1'", 'param', 'é'],
    ])('%s', (filter, type, key) => {
      expect(one(filter)).toMatchObject({ type, key });
    });

    it.each([
      ["params.p = 'a b c'", 'a b c'],
      ['params.p = "a b c"', 'a b c'],
      ['params.p = "it\'s"', "it's"],
      ['params.p = \'say "hi"\'', 'say "hi"'],
      ["params.p = 'x AND y OR (z)'", 'x AND y OR (z)'],
      ["params.p = ''", ''],
      ["params.p LIKE '%a_b%'", '%a_b%'],
      // MLflow strips the quotes and nothing else.
      ["params.p = 'it''s'", "it''s"],
      [String.raw`params.p = 'it\'s'`, String.raw`it\'s`],
    ])('%s → %j', (filter, value) => {
      expect(one(filter).value).toBe(value);
    });

    it('keeps MLflow’s quirk for a bare backticked key with a dot', () => {
      expect(runError('`a.b` = 1')).toBe(`Invalid entity type '\`a'. Valid values are ${ENTITY_LIST}`);
    });

    it.each(['metricz', 'Metrics', 'experiment'])('rejects the entity %s', (entity) => {
      expect(runError(`${entity}.m > 1`)).toBe(
        `Invalid entity type '${entity}'. Valid values are ${ENTITY_LIST}`,
      );
    });

    it('needs an identifier on the left', () => {
      expect(runError("'a' = 'b'")).toBe("Invalid comparison clause. Expected 'Identifier' found ''a''");
      expect(runError('1 = 1')).toBe("Invalid comparison clause. Expected 'Identifier' found '1'");
    });
  });

  describe('clause structure', () => {
    it('joins clauses with AND in any case, keeping their order', () => {
      expect(parseRunFilter("metrics.m > 0.1 and params.lr = '0.1' AnD tags.t LIKE 'x%'")).toEqual([
        { type: 'metric', key: 'm', comparator: '>', value: 0.1 },
        { type: 'param', key: 'lr', comparator: '=', value: '0.1' },
        { type: 'tag', key: 't', comparator: 'LIKE', value: 'x%' },
      ]);
    });

    it.each(['metrics.m > 1 AND', 'AND metrics.m > 1', 'metrics.m > 1 AND AND', '\n metrics.m > 1 \n'])(
      'tolerates stray ANDs and surrounding whitespace: %j',
      (filter) => {
        expect(parseRunFilter(filter)).toEqual([{ type: 'metric', key: 'm', comparator: '>', value: 1 }]);
      },
    );

    it('accepts juxtaposed comparisons without AND, as sqlparse groups them', () => {
      expect(parseRunFilter('metrics.m > 1 metrics.n < 2')).toHaveLength(2);
    });

    it.each(['metrics.m > 1;', 'metrics.m > 1;  \n'])(
      'reports a trailing semicolon as a clause: %j',
      (filter) => {
        expect(runError(filter)).toBe("Invalid clause(s) in filter string: ';'");
      },
    );

    it.each([
      ['metrics.m > 0 OR metrics.m < 0', "'OR'"],
      ['metrics.m > 0 or metrics.m < 0', "'or'"],
      ['(metrics.m > 0)', "'(metrics.m > 0)'"],
      ["metrics.m > 0 AND (params.a = 'x' OR params.b = 'y')", "'(params.a = 'x' OR params.b = 'y')'"],
      ['NOT metrics.m > 0', "'NOT'"],
      ['metrics.m >', "'metrics.m', '>'"],
      ["run_id IN 'x'", "'run_id', 'IN', ''x''"],
      ['params.lr IS 5', "'params.lr', 'IS', '5'"],
      ["params.a = 'x' OR y", "'OR', 'y'"],
      ["params.a = 'x", "'params.a', '=', ''', 'x'"],
    ])('rejects %s', (filter, clauses) => {
      expect(runError(filter)).toBe(`Invalid clause(s) in filter string: ${clauses}`);
    });

    it('rejects several statements', () => {
      expect(runError('metrics.a > 1; metrics.b > 2')).toBe(
        "Search filter contained multiple expression 'metrics.a > 1; metrics.b > 2'. Provide AND-ed expression list.",
      );
      expect(runError("params.a = 'x'; params.b = 'y'")).toBe(
        `Search filter contained multiple expression "params.a = 'x'; params.b = 'y'". Provide AND-ed expression list.`,
      );
    });

    it('reports structure, then values, then comparators', () => {
      expect(runError("params.a > 1 OR params.b = 'x'")).toBe("Invalid clause(s) in filter string: 'OR'");
      expect(runError("params.a > 'x' AND params.b = 1")).toBe(
        "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 1",
      );
      expect(runError("params.a > 'x' AND metrics.b LIKE 1")).toBe(
        `Invalid comparator '>' not one of '${PARAM_OR_TAG_SET}'`,
      );
    });
  });
});

describe('parseExperimentFilter', () => {
  it.each([undefined, '', '  '])('%j matches everything', (filter) => {
    expect(parseExperimentFilter(filter)).toEqual([]);
  });

  it.each(['=', '!=', 'LIKE', 'ILIKE'] as const)('name takes %s', (op) => {
    expect(parseExperimentFilter(`name ${op} 'probe-%'`)).toEqual([
      { type: 'attribute', key: 'name', comparator: op, value: 'probe-%' },
    ]);
  });

  it.each(['creation_time', 'last_update_time'])('%s takes numeric comparators', (key) => {
    for (const op of ['>', '>=', '<', '<=', '=', '!='] as const) {
      expect(parseExperimentFilter(`attribute.${key} ${op} 17`)).toEqual([
        { type: 'attribute', key, comparator: op, value: 17 },
      ]);
    }
  });

  it.each(['tag', 'tags'])('%s. keys take string comparators and null checks', (prefix) => {
    expect(parseExperimentFilter(`${prefix}.\`a.b\` ilike "%v%" and ${prefix}.k IS NOT NULL`)).toEqual([
      { type: 'tag', key: 'a.b', comparator: 'ILIKE', value: '%v%' },
      { type: 'tag', key: 'k', comparator: 'IS NOT NULL', value: null },
    ]);
    expect(parseExperimentFilter(`${prefix}.k is null`)[0]?.comparator).toBe('IS NULL');
  });

  it('reads comparators case-insensitively', () => {
    expect(parseExperimentFilter("name like 'a%'")[0]?.comparator).toBe('LIKE');
  });

  it.each([
    ['metrics.x > 1', "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')"],
    ["params.x = '1'", "Invalid entity type 'params'. Valid entity types are ('attribute', 'tag', 'tags')"],
    [
      "attributes.name = 'x'",
      "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')",
    ],
    ["`tags`.k = 'v'", "Invalid entity type '`tags`'. Valid entity types are ('attribute', 'tag', 'tags')"],
    [
      "experiment_id = '1'",
      "Invalid attribute key 'experiment_id' specified. Valid keys are '{'name', 'creation_time', 'last_update_time'}'",
    ],
    ["name = 'a' OR name = 'b'", 'Invalid clause(s) in filter string: OR'],
    ['(name = 1) x', 'Invalid clause(s) in filter string: (name = 1), x'],
    ["name > 'x'", `Invalid comparator '>' not one of '${STRING_SET}'`],
    ['name IS NULL', `Invalid comparator 'IS NULL' not one of '${STRING_SET}'`],
    ['creation_time LIKE 1', `Invalid comparator 'LIKE' not one of '${STRING_SET}`],
    ["tags.k > 'a'", 'Invalid comparator for tag: >'],
    ["tags.k NOT LIKE 'a'", 'Invalid comparator for tag: NOT LIKE'],
    ["name IN ('a')", "Only the 'run_id' attribute supports comparison with a list of quoted string values."],
    ["creation_time = '1'", "Expected numeric value type for numeric attribute: creation_time. Found '1'"],
    ['name = 1', 'Expected a quoted string value for attributes. Got value 1'],
    ['tags.k = 1', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"],
  ])('rejects %s', (filter, message) => {
    expect(experimentError(filter)).toBe(message);
  });
});
