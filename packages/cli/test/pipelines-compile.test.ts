import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '@ferry/pipeline';
import type { PipelineRun, PipelineTask } from '@ferry/sdk';
import { collectParam, formatDuration, parseParamValue, taskRows } from '../src/commands/pipelines/shared.js';
import { renderRun } from '../src/commands/pipelines/watch.js';

// `ferry pipelines compile` through the built binary (no server needed), and the pure helpers of the
// pipelines commands.
const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, '../dist/bin.js');
const FIXTURES = join(HERE, 'fixtures');
const exec = promisify(execFile);

let dir: string;

async function ferry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, 'pipelines', ...args], { cwd: FIXTURES });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'ferry-cli-pipelines-compile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ferry pipelines compile', () => {
  it('compiles a TypeScript module to YAML, skipping exports that are not pipelines', async () => {
    const res = await ferry('compile', 'pipeline.ts');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const spec = loadSpec(res.stdout);
    expect(spec.name).toBe('hello');
    expect(Object.keys(spec.tasks)).toEqual(['greet', 'count']);
    expect(spec.parameters.who?.default).toBe('world');
    expect(res.stdout).toMatch(/^apiVersion: ferry\.pipeline\/v1\n/);
  });

  it('prints JSON with --format json and writes files with -o (JSON for .json)', async () => {
    const json = await ferry('compile', 'pipeline.ts', '--format', 'json');
    expect(json.code).toBe(0);
    const spec = JSON.parse(json.stdout) as { name: string };
    expect(spec.name).toBe('hello');

    const out = join(dir, 'hello.json');
    const written = await ferry('compile', 'pipeline.ts', '-o', out);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(written.stderr).toContain(`Wrote the spec of pipeline 'hello' to ${out}`);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(spec);

    const yamlOut = join(dir, 'hello.yaml');
    expect((await ferry('compile', 'pipeline.ts', '--output', yamlOut)).code).toBe(0);
    expect(loadSpec(await readFile(yamlOut, 'utf8'))).toEqual(spec);
  });

  it('loads and validates YAML and JSON specs', async () => {
    const yamlOut = join(dir, 'roundtrip.yml');
    expect((await ferry('compile', 'pipeline.ts', '-o', yamlOut)).code).toBe(0);
    const again = await ferry('compile', yamlOut, '--format', 'json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(loadSpec(await readFile(yamlOut, 'utf8')));

    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      [
        'apiVersion: ferry.pipeline/v1',
        'name: bad',
        'parameters: {}',
        'tasks:',
        '  a:',
        '    component: {name: a, inputs: {}, outputs: {}, implementation: {command: [echo]}}',
        '    arguments: {}',
        '    dependsOn: [ghost]',
      ].join('\n'),
    );
    const res = await ferry('compile', bad);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`ferry: ${bad} does not compile:\n  tasks.a`);
    expect(res.stderr).toContain("'ghost'");

    const notYaml = join(dir, 'broken.json');
    await writeFile(notYaml, '{"apiVersion": ');
    const parse = await ferry('compile', notYaml);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toContain('not valid YAML or JSON');
  });

  it('chooses among several pipelines with --export', async () => {
    const many = await ferry('compile', 'two-pipelines.mjs');
    expect(many.code).toBe(1);
    expect(many.stderr).toContain('exports several pipelines: first, second; choose one with --export');
    const second = await ferry('compile', 'two-pipelines.mjs', '--export', 'second', '--format', 'json');
    expect(second.code).toBe(0);
    expect((JSON.parse(second.stdout) as { name: string }).name).toBe('second');

    const notOne = await ferry('compile', 'pipeline.ts', '--export', 'notAPipeline');
    expect(notOne.code).toBe(1);
    expect(notOne.stderr).toContain("export 'notAPipeline' of pipeline.ts is not a pipeline definition");
    const missing = await ferry('compile', 'pipeline.ts', '--export', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("pipeline.ts has no export 'nope' (pipelines exported: hello)");
  });

  it('prints compile errors clearly and exits 1', async () => {
    const res = await ferry('compile', 'broken.ts');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(
      "ferry: broken.ts does not compile:\n  tasks.count.component.implementation.command.2: unknown input 'missing' in '{{inputs.missing}}' (inputs: n)\n",
    );
  });

  it('refuses missing files, other extensions and modules without pipelines', async () => {
    expect((await ferry('compile', 'nope.ts')).stderr).toContain('cannot read nope.ts: no such file');
    const txt = join(dir, 'x.txt');
    await writeFile(txt, '');
    const other = await ferry('compile', txt);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('expected a .ts/.mts/.js/.mjs module or a .yaml/.yml/.json spec');
    const empty = join(dir, 'empty.mjs');
    await writeFile(empty, 'export const x = 1;\n');
    const none = await ferry('compile', empty);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('exports no pipeline definition');
    const throwing = join(dir, 'throwing.mjs');
    await writeFile(throwing, "throw new Error('boom at import');\n");
    const thrown = await ferry('compile', throwing);
    expect(thrown.code).toBe(1);
    expect(thrown.stderr).toContain(`cannot load ${throwing}: boom at import`);
  });
});

describe('pipelines command helpers', () => {
  it('parses --param values as JSON when they can be, else as text', () => {
    expect(parseParamValue('3')).toBe(3);
    expect(parseParamValue('0.5')).toBe(0.5);
    expect(parseParamValue('true')).toBe(true);
    expect(parseParamValue('null')).toBeNull();
    expect(parseParamValue('[1,"a"]')).toEqual([1, 'a']);
    expect(parseParamValue('{"a":{"b":2}}')).toEqual({ a: { b: 2 } });
    expect(parseParamValue('"007"')).toBe('007');
    expect(parseParamValue('hello world')).toBe('hello world');
    expect(parseParamValue('')).toBe('');
    expect(parseParamValue('1e')).toBe('1e');
    let params = collectParam('rows=10');
    params = collectParam('name=a=b', params);
    params = collectParam('empty=', params);
    params = collectParam('rows=20', params);
    expect(params).toEqual({ rows: 20, name: 'a=b', empty: '' });
    expect(() => collectParam('novalue')).toThrow("invalid parameter 'novalue': use name=value");
    expect(() => collectParam('=1')).toThrow(/invalid parameter/);
  });

  it('formats durations and task tables', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_340)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m05s');
    expect(formatDuration(7_380_000)).toBe('2h03m');

    const task = (taskId: string, extra: Partial<PipelineTask> = {}): PipelineTask => ({
      taskId,
      name: taskId.split('/').at(-1)!,
      parentTaskId: null,
      status: 'pending',
      attempt: 0,
      inputs: null,
      outputs: null,
      cacheKey: null,
      cachedFrom: null,
      trackingRunId: null,
      logUri: null,
      error: null,
      createdAt: 0,
      startedAt: null,
      finishedAt: null,
      ...extra,
    });
    const tasks = [
      task('prep', { status: 'succeeded', attempt: 1, startedAt: 1000, finishedAt: 2500 }),
      task('loop', { status: 'running', attempt: 1, startedAt: 2500 }),
      task('after'),
      task('loop/0', {
        parentTaskId: 'loop',
        status: 'failed',
        attempt: 2,
        startedAt: 3000,
        finishedAt: 3100,
      }),
    ];
    expect(taskRows(tasks, 5000).map((r) => [r.task, r.status, r.attempt, r.duration])).toEqual([
      ['prep', 'succeeded', 1, '1.5s'],
      ['loop', 'running', 1, '2.5s'],
      ['  0', 'failed', 2, '100ms'],
      ['after', 'pending', 0, ''],
    ]);
    const run = {
      runId: 'r1',
      name: 'demo',
      status: 'running',
      startedAt: 1000,
      finishedAt: null,
    } as PipelineRun;
    expect(renderRun(run, tasks, 5000)).toEqual([
      'run r1 (demo): running 4.0s',
      'TASK   STATUS     ATTEMPT  DURATION',
      'prep   succeeded  1        1.5s',
      'loop   running    1        2.5s',
      '  0    failed     2        100ms',
      'after  pending    0',
    ]);
  });
});
