import { describe, expect, it } from 'vitest';
import {
  compareCells,
  loggedTable,
  parseDelimited,
  parseYaml,
  previewKind,
  summarizeMlModel,
} from '../src/artifact-formats.js';

// As MLflow 3 writes it (yaml.safe_dump, width 80: long quoted strings wrap onto indented lines).
const MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.9
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.1
is_signature_from_type_hint: false
mlflow_version: 3.1.0
model_id: m-0123456789abcdef
model_size_bytes: 1234
model_uuid: m-0123456789abcdef
prompts: null
run_id: 4f2c1b0e9a8d7c6b
signature:
  inputs: '[{"type": "double", "name": "tenure", "required": true}, {"type": "string",
    "name": "plan", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
type_hint_from_example: false
utc_time_created: '2025-01-01 10:00:00.000000'
`;

describe('artifact formats', () => {
  it('summarises an MLmodel file: flavors, signature, run and model ids', () => {
    const summary = summarizeMlModel(MLMODEL);
    expect(summary.flavors.map((f) => f.name)).toEqual(['python_function', 'sklearn']);
    expect(summary.flavors[0]!.details).toContainEqual(['loader_module', 'mlflow.sklearn']);
    expect(summary.flavors[0]!.details).toContainEqual(['python_version', '3.11.9']);
    expect(summary.runId).toBe('4f2c1b0e9a8d7c6b');
    expect(summary.modelId).toBe('m-0123456789abcdef');
    expect(summary.artifactPath).toBe('model');
    expect(summary.created).toBe('2025-01-01 10:00:00.000000');
    expect(summary.signature?.inputs).toEqual([
      { name: 'tenure', type: 'double', required: true },
      { name: 'plan', type: 'string', required: false },
    ]);
    expect(summary.signature?.outputs).toEqual([{ name: '#0', type: 'tensor int64 [-1]', required: true }]);
    expect(summary.signatureText).toContain('"tenure"');
  });

  it('reads the YAML MLflow writes: nesting, lists, quoting and block scalars', () => {
    expect(
      parseYaml(
        [
          'a:',
          '  b: 1',
          '',
          '  c: "x\\ty"',
          'list:',
          '- one',
          '- k: v',
          '  j: 2.5',
          'flow: {x: 1, y: two}',
          "q: 'it''s'",
          'text: |',
          '  line 1',
          '',
          '  line 2',
          'empty: {}',
          'seq: [1, a]',
        ].join('\n'),
      ),
    ).toEqual({
      a: { b: 1, c: 'x\ty' },
      list: ['one', { k: 'v', j: 2.5 }],
      flow: { x: 1, y: 'two' },
      q: "it's",
      text: 'line 1\n\nline 2\n',
      empty: {},
      seq: [1, 'a'],
    });
  });

  it('parses CSV with quotes and logged tables, and sorts cells numerically', () => {
    expect(parseDelimited('a,b\n1,"x, ""y"""\n2,z\n')).toEqual({
      columns: ['a', 'b'],
      rows: [
        ['1', 'x, "y"'],
        ['2', 'z'],
      ],
    });
    expect(parseDelimited('a,b\n1,2\n3,', ',', true).rows).toEqual([['1', '2']]);
    expect(loggedTable({ columns: ['q', 'n'], data: [['hi', 3]] })).toEqual({
      columns: ['q', 'n'],
      rows: [['hi', '3']],
    });
    expect(loggedTable({ columns: ['q'] })).toBeUndefined();
    expect(['10', '9', '100'].sort(compareCells)).toEqual(['9', '10', '100']);
    expect(previewKind('model/MLmodel')).toBe('mlmodel');
    expect(previewKind('plots/roc.PNG')).toBe('image');
    expect(previewKind('report.html')).toBe('html');
    expect(previewKind('weights.bin')).toBeUndefined();
  });
});
