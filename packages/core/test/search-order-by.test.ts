import { describe, expect, it } from 'vitest';
import { parseExperimentOrderBy, parseRunOrderBy } from '../src/search/index.js';
import { errorOf } from './helpers.js';

const runError = (...clauses: string[]): string => errorOf(() => parseRunOrderBy(clauses));
const experimentError = (...clauses: string[]): string => errorOf(() => parseExperimentOrderBy(clauses));
const unparsable = (clause: string): string => `Invalid order_by clause '${clause}'. Could not be parsed.`;

const RUN_ORDER_KEYS =
  "{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created'}";
const EXPERIMENT_ORDER_KEYS = "{'name', 'experiment_id', 'creation_time', 'last_update_time'}";

describe('parseRunOrderBy', () => {
  it('returns nothing for no clauses, and appends no tie-breakers', () => {
    expect(parseRunOrderBy(undefined)).toEqual([]);
    expect(parseRunOrderBy([])).toEqual([]);
    expect(parseRunOrderBy(['metrics.m'])).toEqual([{ type: 'metric', key: 'm', ascending: true }]);
  });

  it.each([
    ['metrics.m DESC', 'metric', 'm', false],
    ['metric.m ASC', 'metric', 'm', true],
    ['metrics.m desc', 'metric', 'm', false],
    ['metrics.m Asc', 'metric', 'm', true],
    ['params.lr', 'param', 'lr', true],
    ['param.lr DESC', 'param', 'lr', false],
    ['parameters.lr', 'param', 'lr', true],
    ['tags.t DESC', 'tag', 't', false],
    ['tag.t', 'tag', 't', true],
    ['start_time', 'attribute', 'start_time', true],
    ['attributes.start_time ASC', 'attribute', 'start_time', true],
    ['attribute.end_time DESC', 'attribute', 'end_time', false],
    ['attr.run_name', 'attribute', 'run_name', true],
    ['run.status DESC', 'attribute', 'status', false],
    ['user_id', 'attribute', 'user_id', true],
    ['artifact_uri', 'attribute', 'artifact_uri', true],
    ['run_id DESC', 'attribute', 'run_id', false],
    ['created DESC', 'attribute', 'start_time', false],
    ['Created', 'attribute', 'start_time', true],
    ['metrics.`my metric` DESC', 'metric', 'my metric', false],
    ['metrics.`my metric`', 'metric', 'my metric', true],
    ['metrics."my metric" ASC', 'metric', 'my metric', true],
    ['metrics."my metric"', 'metric', 'my metric', true],
    ['tags.`mlflow.runName` DESC', 'tag', 'mlflow.runName', false],
    ['tags.mlflow.runName', 'tag', 'mlflow.runName', true],
    ['`metrics`.`m-1`', 'metric', 'm-1', true],
    ['metrics.m\tDESC', 'metric', 'm', false],
    ['metrics.m   DESC', 'metric', 'm', false],
  ])('%s', (clause, type, key, ascending) => {
    expect(parseRunOrderBy([clause])).toEqual([{ type, key, ascending }]);
  });

  it('keeps the order of several clauses', () => {
    expect(parseRunOrderBy(['metrics.m DESC', 'start_time', 'params.p ASC'])).toEqual([
      { type: 'metric', key: 'm', ascending: false },
      { type: 'attribute', key: 'start_time', ascending: true },
      { type: 'param', key: 'p', ascending: true },
    ]);
  });

  it.each([
    '',
    ' ',
    ' metrics.m',
    'metrics.m ',
    'metrics.m DESC ASC',
    'metrics.m, metrics.n',
    'metrics.m DESC, start_time',
    'metrics.m > 1',
    'DESC',
    '(metrics.m)',
    'metrics.m; start_time',
    'a b c',
    'metrics.`a"b` DESC',
  ])('cannot parse %j', (clause) => {
    expect(runError(clause)).toBe(unparsable(clause));
  });

  it.each(['metrics.m foo', 'metrics.m descending', 'run name'])('rejects the direction in %j', (clause) => {
    expect(runError(clause)).toBe(`Invalid ordering key in order_by clause '${clause}'.`);
  });

  it('rejects unknown attributes, listing the orderable ones', () => {
    expect(runError('foo')).toBe(`Invalid attribute key 'foo' specified. Valid keys are '${RUN_ORDER_KEYS}'`);
    expect(runError('`Run Name` DESC')).toBe(
      `Invalid attribute key 'Run Name' specified. Valid keys are '${RUN_ORDER_KEYS}'`,
    );
    expect(runError('experiment_id')).toContain("Invalid attribute key 'experiment_id'");
  });

  it('rejects unknown entities and datasets', () => {
    expect(runError('foo.bar DESC')).toBe(
      "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    );
    expect(runError('datasets.name')).toBe("Invalid identifier type 'dataset'");
    expect(runError('datasets.foo')).toBe(
      "Invalid dataset key 'foo' specified. Valid keys are '{'name', 'digest', 'context'}'",
    );
  });

  it('rejects duplicate fields, aliases included', () => {
    expect(runError('metrics.m', 'metrics.m DESC')).toBe(
      "`order_by` contains duplicate fields: ['metrics.m', 'metrics.m DESC']",
    );
    expect(runError('start_time', 'created DESC')).toBe(
      "`order_by` contains duplicate fields: ['start_time', 'created DESC']",
    );
    expect(parseRunOrderBy(['metrics.k', 'params.k', 'tags.k'])).toHaveLength(3);
  });

  it('reports clauses in order', () => {
    expect(runError('metrics.m', 'metrics.m', 'bogus')).toContain('duplicate fields');
    expect(runError('bogus', 'metrics.m', 'metrics.m')).toContain("Invalid attribute key 'bogus'");
  });
});

describe('parseExperimentOrderBy', () => {
  it.each([
    ['name', 'name', true],
    ['name DESC', 'name', false],
    ['experiment_id asc', 'experiment_id', true],
    ['creation_time DESC', 'creation_time', false],
    ['attribute.last_update_time', 'last_update_time', true],
    ['`last_update_time` DESC', 'last_update_time', false],
  ])('%s', (clause, key, ascending) => {
    expect(parseExperimentOrderBy([clause])).toEqual([{ type: 'attribute', key, ascending }]);
  });

  it('returns nothing for no clauses', () => {
    expect(parseExperimentOrderBy(undefined)).toEqual([]);
    expect(parseExperimentOrderBy([])).toEqual([]);
  });

  it.each([
    ['tags.k DESC', 'Invalid order_by entity: tag'],
    ['tag.k', 'Invalid order_by entity: tag'],
    ['metrics.m', "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')"],
    [
      'attributes.name',
      "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')",
    ],
    ['foo', `Invalid attribute key 'foo' specified. Valid keys are '${EXPERIMENT_ORDER_KEYS}'`],
    ['start_time', `Invalid attribute key 'start_time' specified. Valid keys are '${EXPERIMENT_ORDER_KEYS}'`],
    ['name DESC ASC', unparsable('name DESC ASC')],
    ['name up', "Invalid ordering key in order_by clause 'name up'."],
  ])('rejects %s', (clause, message) => {
    expect(experimentError(clause)).toBe(message);
  });
});
