import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/core';
import {
  entryPointFor,
  loadProject,
  parseParameterAssignment,
  parseProjectFile,
  renderCommand,
  resolveParameters,
  shellQuote,
} from '../src/index.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-spec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The FerryError a call throws (failing the test when it does not throw one). */
function errorOf(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FerryError);
    return error as FerryError;
  }
  throw new Error('expected an error');
}

const TRAIN = `
name: demo
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      epochs: {type: int, default: 3}
      data: path
      label: string
    command: "python train.py --data {data} --alpha {alpha} --epochs {epochs} --label {label}"
  braces:
    command: "echo {{literal}}"
`;

describe('parsing MLproject', () => {
  it('reads entry points with shorthand and long parameter forms', () => {
    const spec = parseProjectFile(TRAIN);
    expect(spec.name).toBe('demo');
    expect(spec.environment).toEqual({ type: 'none' });
    expect(spec.entryPoints.main!.parameters).toEqual([
      { name: 'alpha', type: 'float', default: '0.5' },
      { name: 'epochs', type: 'int', default: '3' },
      { name: 'data', type: 'path' },
      { name: 'label', type: 'string' },
    ]);
  });

  it('reads each environment, node_env defaulting to the root', () => {
    expect(parseProjectFile('python_env: python_env.yaml').environment).toEqual({
      type: 'python_env',
      file: 'python_env.yaml',
    });
    expect(parseProjectFile('conda_env: conda.yaml').environment).toEqual({
      type: 'conda_env',
      file: 'conda.yaml',
    });
    expect(parseProjectFile('node_env:').environment).toEqual({ type: 'node_env', dir: '.' });
    expect(parseProjectFile('node_env: app').environment).toEqual({ type: 'node_env', dir: 'app' });
    expect(
      parseProjectFile(
        'docker_env:\n  image: python:3.11\n  volumes: ["/data:/data"]\n  environment: [["A", "1"], "HOME"]',
      ).environment,
    ).toEqual({
      type: 'docker_env',
      image: 'python:3.11',
      volumes: ['/data:/data'],
      environment: [['A', '1'], 'HOME'],
    });
    expect(parseProjectFile('').entryPoints).toEqual({});
  });

  it('refuses two environments', () => {
    const e = errorOf(() => parseProjectFile('python_env: a.yaml\nnode_env: .\n'));
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toBe(
      'MLproject line 2: a project declares at most one environment, found python_env, node_env.',
    );
  });

  it('reports malformed YAML with its line', () => {
    expect(
      errorOf(() => parseProjectFile('name: x\nentry_points:\n  main: [unclosed\n', 'MLproject')).message,
    ).toMatch(/^MLproject line \d+: invalid YAML: /);
    expect(errorOf(() => parseProjectFile('a: 1\na: 2\n')).message).toMatch(
      /^MLproject line 2: invalid YAML: .*unique/i,
    );
  });

  it('refuses unknown keys, naming the known ones', () => {
    expect(errorOf(() => parseProjectFile('name: x\nentrypoints: {}\n')).message).toBe(
      "MLproject line 2: unknown top-level key 'entrypoints' (expected one of: name, entry_points, python_env, conda_env, docker_env, node_env).",
    );
    expect(errorOf(() => parseProjectFile('entry_points:\n  main:\n    cmd: ls\n')).message).toBe(
      "MLproject line 3: unknown key of entry point 'main' 'cmd' (expected one of: parameters, command).",
    );
    expect(
      errorOf(() =>
        parseProjectFile('entry_points:\n  main:\n    parameters:\n      a: {typ: int}\n    command: ls\n'),
      ).message,
    ).toBe("MLproject line 4: unknown key of parameter 'a' 'typ' (expected one of: type, default).");
    expect(errorOf(() => parseProjectFile('docker_env: {image: x, ports: [1]}\n')).message).toMatch(
      /unknown key of docker_env 'ports'/,
    );
  });

  it('refuses bad templates: unbalanced braces, undeclared placeholders', () => {
    expect(errorOf(() => parseProjectFile('entry_points:\n  main:\n    command: "echo {a"\n')).message).toBe(
      `MLproject line 3: entry point 'main': unbalanced '{' at column 6 of command "echo {a" (write '{{' for a literal brace).`,
    );
    expect(
      errorOf(() => parseProjectFile('entry_points:\n  main:\n    command: "echo a}"\n')).message,
    ).toMatch(/unbalanced '}' at column 7/);
    expect(
      errorOf(() => parseProjectFile('entry_points:\n  main:\n    command: "echo {a.b}"\n')).message,
    ).toMatch(/placeholder \{a\.b\} .* is not a parameter name/);
    expect(
      errorOf(() =>
        parseProjectFile('entry_points:\n  main:\n    parameters: {x: int}\n    command: "echo {x} {y}"\n'),
      ).message,
    ).toBe(
      "MLproject line 4: the command of entry point 'main' uses {y}, which is not a declared parameter (declared: x).",
    );
  });

  it('refuses unknown types, bad defaults and entry points without a command', () => {
    expect(
      errorOf(() =>
        parseProjectFile('entry_points:\n  main:\n    parameters: {a: number}\n    command: ls\n'),
      ).message,
    ).toBe(
      "MLproject line 3: parameter 'a' of 'main' has unknown type 'number' (expected one of: string, float, int, path, uri).",
    );
    expect(
      errorOf(() =>
        parseProjectFile(
          'entry_points:\n  main:\n    parameters: {a: {type: int, default: 1.5}}\n    command: ls\n',
        ),
      ).message,
    ).toBe("MLproject line 3: the default of parameter 'a' must be an integer, got '1.5'.");
    expect(errorOf(() => parseProjectFile('entry_points:\n  main:\n    parameters: {}\n')).message).toBe(
      "MLproject line 2: entry point 'main' has no command.",
    );
    expect(errorOf(() => parseProjectFile('docker_env: {volumes: []}\n')).message).toBe(
      'MLproject line 1: docker_env has no image.',
    );
  });
});

describe('entry points and commands', () => {
  let project: string;
  beforeAll(async () => {
    project = join(dir, 'proj');
    await mkdir(join(project, 'data'), { recursive: true });
    await writeFile(join(project, 'mlproject'), TRAIN); // found case-insensitively, as MLflow does
    await writeFile(join(project, 'data', 'train.csv'), 'x\n1\n');
    await writeFile(join(project, 'run.sh'), 'echo hi\n');
    await writeFile(join(project, 'job.ts'), 'console.log(1)\n');
    await writeFile(join(project, 'job.mjs'), 'console.log(1)\n');
    await writeFile(join(project, 'fit.py'), 'print(1)\n');
  });

  it('renders with defaults, quoting, extra parameters and absolute paths', () => {
    const p = loadProject(project);
    expect(p.file).toBe('mlproject');
    const ep = entryPointFor(p);
    expect(ep.name).toBe('main');
    const resolved = resolveParameters(
      ep,
      { data: 'data/train.csv', label: "it's a test", 'extra-flag': 'a b' },
      { cwd: project, projectDir: project },
    );
    expect(resolved.values).toEqual({
      alpha: '0.5',
      epochs: '3',
      data: join(project, 'data/train.csv'),
      label: "it's a test",
    });
    expect(resolved.given).toEqual({
      data: join(project, 'data/train.csv'),
      label: "it's a test",
      'extra-flag': 'a b',
    });
    expect(renderCommand(ep, resolved)).toBe(
      `python train.py --data ${join(project, 'data/train.csv')} --alpha 0.5 --epochs 3 --label 'it'"'"'s a test' --extra-flag 'a b'`,
    );
    const braces = entryPointFor(p, 'braces');
    expect(renderCommand(braces, resolveParameters(braces, {}, { projectDir: project }))).toBe(
      'echo {literal}',
    );
  });

  it('checks values: missing required, wrong int and float, missing path', () => {
    const ep = entryPointFor(loadProject(project));
    const opts = { cwd: project, projectDir: project };
    expect(errorOf(() => resolveParameters(ep, {}, opts)).message).toBe(
      "Entry point 'main' needs a value for 'data', 'label' (pass -P data=...).",
    );
    const base = { data: 'data/train.csv', label: 'x' };
    expect(errorOf(() => resolveParameters(ep, { ...base, epochs: 'three' }, opts)).message).toBe(
      "Parameter 'epochs' must be an integer, got 'three'.",
    );
    expect(errorOf(() => resolveParameters(ep, { ...base, alpha: '0.1x' }, opts)).message).toBe(
      "Parameter 'alpha' must be a number, got '0.1x'.",
    );
    expect(resolveParameters(ep, { ...base, alpha: '1e-3' }, opts).values.alpha).toBe('1e-3');
    expect(errorOf(() => resolveParameters(ep, { ...base, data: 'nope.csv' }, opts)).message).toMatch(
      /^Parameter 'data' is a path, but 'nope.csv' \(.*nope.csv\) does not exist\.$/,
    );
    expect(errorOf(() => resolveParameters(ep, { ...base, 'bad key': '1' }, opts)).message).toMatch(
      /cannot be passed as a --bad key option/,
    );
  });

  it('resolves uri values: schemes pass through, local paths become absolute', () => {
    const spec = parseProjectFile(
      'entry_points:\n  main:\n    parameters: {u: uri}\n    command: "echo {u}"\n',
    );
    const ep = spec.entryPoints.main!;
    expect(resolveParameters(ep, { u: 's3://bucket/x' }, { cwd: '/tmp', projectDir: project }).values.u).toBe(
      's3://bucket/x',
    );
    expect(resolveParameters(ep, { u: 'rel/file' }, { cwd: '/tmp', projectDir: project }).values.u).toBe(
      '/tmp/rel/file',
    );
  });

  it('runs script files by name, values as --key value', () => {
    const p = loadProject(project);
    const env = { SHELL: '/bin/bash' };
    const render = (name: string, params: Record<string, string> = {}) => {
      const ep = entryPointFor(p, name, env);
      return renderCommand(ep, resolveParameters(ep, params, { projectDir: project }));
    };
    expect(render('fit.py', { lr: '0.1' })).toBe('python fit.py --lr 0.1');
    expect(render('run.sh')).toBe('/bin/bash run.sh');
    expect(render('job.mjs')).toBe('node job.mjs');
    expect(render('job.ts')).toMatch(/^node --import file:\/\/\S*tsx\S* job\.ts$/);
  });

  it('names the known entry points when one is unknown', () => {
    const p = loadProject(project);
    expect(errorOf(() => entryPointFor(p, 'train')).message).toBe(
      "Unknown entry point 'train' in mlproject: the project declares 'main', 'braces' (a script file .py, .sh, .js, .mjs, .ts, .mts can be run by its name).",
    );
    expect(errorOf(() => entryPointFor(p, 'missing.py')).message).toMatch(/there is no file 'missing.py'/);
    expect(errorOf(() => entryPointFor(p, '../x.py')).message).toMatch(/points outside the project folder/);
  });

  it('checks environment files against the folder', async () => {
    const bad = join(dir, 'bad-env');
    await mkdir(bad);
    await writeFile(join(bad, 'MLproject'), 'python_env: missing.yaml\n');
    expect(errorOf(() => loadProject(bad)).message).toMatch(
      /python_env names 'missing.yaml', but there is no such file/,
    );
    await writeFile(join(bad, 'MLproject'), 'node_env: ../elsewhere\n');
    expect(errorOf(() => loadProject(bad)).message).toMatch(
      /node_env '..\/elsewhere' points outside the project folder/,
    );
    await writeFile(join(bad, 'MLproject'), 'name: x\n');
    await writeFile(join(bad, 'python_env.yaml'), 'python: "3.11"\n');
    expect(loadProject(bad).environment).toEqual({ type: 'python_env', file: 'python_env.yaml' });
  });

  it('quotes as shlex does and splits key=value', () => {
    expect(shellQuote('plain-word_1.0/x')).toBe('plain-word_1.0/x');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('$HOME; rm')).toBe("'$HOME; rm'");
    expect(parseParameterAssignment('a=b=c')).toEqual(['a', 'b=c']);
    expect(() => parseParameterAssignment('=x')).toThrow(/key=value/);
  });
});
