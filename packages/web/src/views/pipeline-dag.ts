import type { PipelineSpec, PipelineTask, TaskSpec } from '../api-pipelines';

// The layout of a pipeline's DAG, as plain data the SVG view draws: the tasks of one pipeline (a
// "scope") in columns by dependency depth, left to right. A loop or nested pipeline task is one node
// that can be expanded in place into a box holding its iterations or inner tasks (task ids
// `loop/0`, `loop/0/train`, `sub/train`), laid out the same way, recursively.

export const NODE_W = 176;
export const NODE_H = 46;
const GAP_X = 60;
const GAP_Y = 18;
const PAD = 12;
const HEADER = NODE_H + 4;
const ROW_LABEL_W = 40;
const ROW_GAP = 10;
/** Iterations drawn in an expanded loop; the rest are counted. */
export const MAX_ITERATIONS = 30;

export type NodeKind = 'task' | 'loop' | 'pipeline';

export interface DagNode {
  taskId: string;
  name: string;
  /** The component the task runs. */
  component: string;
  kind: NodeKind;
  /** `×N` for loops, `pipeline` for nested pipelines, `exit` for the exit task. */
  badge?: string;
  exit: boolean;
  expanded: boolean;
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface DagEdge {
  key: string;
  from: string;
  to: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
export interface DagLabel {
  key: string;
  /** The iteration's task id (`loop/3`), for a click to open it. */
  taskId?: string;
  text: string;
  x: number;
  y: number;
}
export interface DagLayout {
  w: number;
  h: number;
  nodes: DagNode[];
  edges: DagEdge[];
  labels: DagLabel[];
}

function refTask(ref: unknown): string | undefined {
  if (ref && typeof ref === 'object' && 'taskOutput' in ref) {
    const task = (ref as { taskOutput?: { task?: unknown } }).taskOutput?.task;
    return typeof task === 'string' ? task : undefined;
  }
  return undefined;
}

function conditionRefs(condition: unknown): unknown[] {
  if (!condition || typeof condition !== 'object') return [];
  const c = condition as { left?: unknown; right?: unknown; and?: unknown[]; or?: unknown[]; not?: unknown };
  if (Array.isArray(c.and)) return c.and.flatMap(conditionRefs);
  if (Array.isArray(c.or)) return c.or.flatMap(conditionRefs);
  if (c.not !== undefined) return conditionRefs(c.not);
  return [c.left, c.right];
}

/**
 * The tasks of the same pipeline a task waits for: data references in its arguments, its condition's
 * operands, its loop items and `dependsOn` (like `upstreamOf` in the executor's scope runner).
 */
export function upstreamOf(task: TaskSpec): string[] {
  const refs = [
    ...Object.values(task.arguments ?? {}),
    ...conditionRefs(task.when),
    ...(task.forEach ? [task.forEach.items] : []),
  ];
  const names = refs.map(refTask).filter((n): n is string => n !== undefined);
  return [...new Set([...names, ...(task.dependsOn ?? [])])];
}

/** The tasks of a spec in columns: depth 0 has no upstream; the exit task comes last. */
export function layers(spec: PipelineSpec): string[][] {
  const names = Object.keys(spec.tasks);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0; // a cycle: specs are validated, so never, but never loop
    visiting.add(name);
    const ups = upstreamOf(spec.tasks[name]!).filter((u) => u in spec.tasks);
    const d = ups.length === 0 ? 0 : 1 + Math.max(...ups.map(depthOf));
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const n of names) if (n !== spec.exitTask) depthOf(n);
  const max = Math.max(-1, ...[...depth.values()]);
  if (spec.exitTask && spec.exitTask in spec.tasks) depth.set(spec.exitTask, max + 1);
  const columns: string[][] = [];
  for (const n of names) {
    const d = depth.get(n)!;
    (columns[d] ??= []).push(n);
  }
  const placed = columns.filter((c) => c !== undefined);
  // One barycenter pass: a task sits near the tasks it waits for.
  const row = new Map<string, number>();
  placed.forEach((column, i) => {
    if (i > 0) {
      const score = (n: string) => {
        const ups = upstreamOf(spec.tasks[n]!).filter((u) => row.has(u));
        return ups.length === 0 ? Infinity : ups.reduce((s, u) => s + row.get(u)!, 0) / ups.length;
      };
      const original = new Map(column.map((n, j) => [n, j]));
      column.sort((a, b) => score(a) - score(b) || original.get(a)! - original.get(b)!);
    }
    column.forEach((n, j) => row.set(n, j));
  });
  return placed;
}

const iterationIndex = (taskId: string) => Number(taskId.slice(taskId.lastIndexOf('/') + 1));

/** The iterations of a loop task in a run's task list, in item order. */
export function iterationsOf(tasks: PipelineTask[], loopId: string): PipelineTask[] {
  return tasks
    .filter((t) => t.parent_task_id === loopId && /^\d+$/.test(t.task_id.slice(loopId.length + 1)))
    .sort((a, b) => iterationIndex(a.task_id) - iterationIndex(b.task_id));
}

function loopCount(task: TaskSpec, taskId: string, tasks: PipelineTask[] | undefined): number | undefined {
  if (tasks) {
    const n = iterationsOf(tasks, taskId).length;
    if (n > 0) return n;
  }
  const items = task.forEach?.items;
  if (items && typeof items === 'object' && 'constant' in items) {
    const value = (items as { constant: unknown }).constant;
    if (Array.isArray(value)) return value.length;
  }
  return undefined;
}

interface Block {
  w: number;
  h: number;
  nodes: DagNode[];
  edges: DagEdge[];
  labels: DagLabel[];
}

function shift(block: Block, dx: number, dy: number): Block {
  return {
    ...block,
    nodes: block.nodes.map((n) => ({ ...n, x: n.x + dx, y: n.y + dy })),
    edges: block.edges.map((e) => ({ ...e, x1: e.x1 + dx, x2: e.x2 + dx, y1: e.y1 + dy, y2: e.y2 + dy })),
    labels: block.labels.map((l) => ({ ...l, x: l.x + dx, y: l.y + dy })),
  };
}

const empty = (): Block => ({ w: 0, h: 0, nodes: [], edges: [], labels: [] });

function append(into: Block, part: Block): void {
  into.nodes.push(...part.nodes);
  into.edges.push(...part.edges);
  into.labels.push(...part.labels);
}

/** One task's node at (0, 0), with what it holds when expanded. */
function taskBlock(
  spec: PipelineSpec,
  name: string,
  taskId: string,
  tasks: PipelineTask[] | undefined,
  expanded: ReadonlySet<string>,
): Block {
  const task = spec.tasks[name]!;
  const inner = task.component.implementation.pipeline;
  const kind: NodeKind = task.forEach ? 'loop' : inner ? 'pipeline' : 'task';
  const count = kind === 'loop' ? loopCount(task, taskId, tasks) : undefined;
  const badge =
    kind === 'loop'
      ? `×${count ?? '?'}`
      : kind === 'pipeline'
        ? 'pipeline'
        : spec.exitTask === name
          ? 'exit'
          : undefined;
  const open = kind !== 'task' && expanded.has(taskId);
  const node: DagNode = {
    taskId,
    name,
    component: task.component.name,
    kind,
    ...(badge ? { badge } : {}),
    exit: spec.exitTask === name,
    expanded: open,
    x: 0,
    y: 0,
    w: NODE_W,
    h: NODE_H,
  };
  const block: Block = { w: NODE_W, h: NODE_H, nodes: [node], edges: [], labels: [] };
  if (!open) return block;
  let contentW = 0;
  let y = HEADER;
  if (kind === 'pipeline' && inner) {
    const body = shift(scopeBlock(inner, `${taskId}/`, tasks, expanded), PAD, y);
    append(block, body);
    contentW = body.w;
    y += body.h;
  } else {
    // A loop: one row per iteration (from the run's tasks; the body once, as a template, without a run).
    const rows = tasks
      ? iterationsOf(tasks, taskId).map((t) => ({ id: t.task_id, label: `[${iterationIndex(t.task_id)}]` }))
      : [{ id: `${taskId}/*`, label: 'each' }];
    if (rows.length === 0) {
      block.labels.push({ key: `${taskId}:none`, text: 'no iterations yet', x: PAD, y: y + 14 });
      contentW = NODE_W;
      y += 24;
    }
    for (const [i, row] of rows.slice(0, MAX_ITERATIONS).entries()) {
      if (i > 0) y += ROW_GAP;
      block.labels.push({
        key: `${row.id}:label`,
        ...(tasks ? { taskId: row.id } : {}),
        text: row.label,
        x: PAD,
        y: y + NODE_H / 2 + 4,
      });
      let body: Block;
      if (inner) {
        body = scopeBlock(inner, `${row.id}/`, tasks, expanded);
      } else {
        const single: DagNode = {
          taskId: row.id,
          name: `${name} ${row.label}`,
          component: task.component.name,
          kind: 'task',
          exit: false,
          expanded: false,
          x: 0,
          y: 0,
          w: NODE_W,
          h: NODE_H,
        };
        body = { w: NODE_W, h: NODE_H, nodes: [single], edges: [], labels: [] };
      }
      const placed = shift(body, PAD + ROW_LABEL_W, y);
      append(block, placed);
      contentW = Math.max(contentW, ROW_LABEL_W + body.w);
      y += Math.max(body.h, NODE_H);
    }
    if (rows.length > MAX_ITERATIONS) {
      y += ROW_GAP;
      block.labels.push({
        key: `${taskId}:more`,
        text: `… ${rows.length - MAX_ITERATIONS} more iterations`,
        x: PAD,
        y: y + 12,
      });
      y += 20;
    }
  }
  node.w = Math.max(NODE_W, contentW + 2 * PAD);
  node.h = y + PAD;
  block.w = node.w;
  block.h = node.h;
  return block;
}

/** The tasks of one pipeline (ids `<prefix><name>`) in columns, with the edges between them. */
function scopeBlock(
  spec: PipelineSpec,
  prefix: string,
  tasks: PipelineTask[] | undefined,
  expanded: ReadonlySet<string>,
): Block {
  const out = empty();
  const boxes = new Map<string, DagNode>();
  let x = 0;
  for (const column of layers(spec)) {
    const blocks = column.map((name) => ({
      name,
      block: taskBlock(spec, name, `${prefix}${name}`, tasks, expanded),
    }));
    const width = Math.max(...blocks.map((b) => b.block.w));
    let y = 0;
    for (const { name, block } of blocks) {
      const placed = shift(block, x, y);
      append(out, placed);
      boxes.set(name, placed.nodes[0]!);
      y += block.h + GAP_Y;
    }
    out.h = Math.max(out.h, y - GAP_Y);
    x += width + GAP_X;
  }
  out.w = Math.max(0, x - GAP_X);
  for (const [name, task] of Object.entries(spec.tasks)) {
    const to = boxes.get(name)!;
    for (const up of upstreamOf(task)) {
      const from = boxes.get(up);
      if (!from) continue;
      out.edges.push({
        key: `${from.taskId}->${to.taskId}`,
        from: from.taskId,
        to: to.taskId,
        x1: from.x + from.w,
        y1: from.y + Math.min(from.h / 2, NODE_H / 2),
        x2: to.x,
        y2: to.y + Math.min(to.h / 2, NODE_H / 2),
      });
    }
  }
  return out;
}

/**
 * The whole DAG of a spec: top-level tasks, with the loops and nested pipelines named in `expanded`
 * (task ids) opened; `tasks` (a run's task list) gives loops their iterations.
 */
export function layoutDag(
  spec: PipelineSpec,
  tasks: PipelineTask[] | undefined,
  expanded: ReadonlySet<string>,
): DagLayout {
  const block = scopeBlock(spec, '', tasks, expanded);
  return { w: block.w, h: block.h, nodes: block.nodes, edges: block.edges, labels: block.labels };
}

/** The spec of the task with this id (`loop/0/train` → the `train` task of the loop's body). */
export function taskSpecAt(spec: PipelineSpec | undefined, taskId: string): TaskSpec | undefined {
  let scope = spec;
  let task: TaskSpec | undefined;
  const parts = taskId.split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (task?.forEach && /^\d+$/.test(part)) {
      // An iteration: the loop task itself, run once per item.
      if (i === parts.length - 1) return task;
      continue;
    }
    task = scope?.tasks[part];
    if (!task) return undefined;
    scope = task.component.implementation.pipeline;
  }
  return task;
}
