import { useMemo } from 'react';
import type { KeyboardEvent } from 'react';
import type { PipelineSpec, PipelineTask } from '../api-pipelines';
import { formatDuration } from '../format';
import { NODE_H, layoutDag } from './pipeline-dag';
import type { DagNode } from './pipeline-dag';
import './pipelines.css';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const onActivate = (action: () => void) => (e: KeyboardEvent) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    action();
  }
};

function NodeView({
  node,
  task,
  now,
  selected,
  onSelect,
  onToggle,
}: {
  node: DagNode;
  task: PipelineTask | undefined;
  now: number;
  selected: boolean;
  onSelect?: (taskId: string) => void;
  onToggle: (taskId: string) => void;
}) {
  // Without a run (a version's DAG) nodes have no status; in a run a task with no row yet is pending.
  const status = task?.status ?? (onSelect ? 'pending' : 'none');
  const duration = task?.started_at
    ? formatDuration(task.started_at, task.finished_at ?? (status === 'running' ? now : undefined))
    : '';
  const what = node.kind === 'loop' ? `loop of ${node.component}` : node.component;
  const detail = onSelect ? [status, duration].filter(Boolean).join(' · ') : what === node.name ? '' : what;
  const expandable = node.kind !== 'task';
  const badgeW = node.badge ? Math.max(30, node.badge.length * 7 + 12) : 0;
  return (
    <g
      className={`dag-node dag-${node.kind}${node.expanded ? ' dag-expanded' : ''}${selected ? ' dag-selected' : ''}`}
      data-testid={`dag-node-${node.taskId}`}
      data-task-id={node.taskId}
      data-status={status}
      data-kind={node.kind}
      transform={`translate(${node.x},${node.y})`}
    >
      <title>{`${node.taskId}: ${status}${task?.error ? ` (${task.error})` : ''}`}</title>
      <rect className="dag-box" width={node.w} height={node.h} rx={6} />
      <g
        className="dag-hit"
        role={onSelect ? 'button' : undefined}
        tabIndex={onSelect ? 0 : undefined}
        aria-label={onSelect ? `Task ${node.taskId}` : undefined}
        aria-pressed={onSelect ? selected : undefined}
        onClick={onSelect ? () => onSelect(node.taskId) : undefined}
        onKeyDown={onSelect ? onActivate(() => onSelect(node.taskId)) : undefined}
      >
        <rect width={node.w} height={NODE_H} fill="transparent" />
        <text className="dag-name" x={10} y={19}>
          {clip(node.name, node.badge ? 16 : 22)}
        </text>
        <text className="dag-detail" x={10} y={36}>
          {clip(detail, 26)}
        </text>
      </g>
      {node.badge && (
        <g
          className={`dag-badge${expandable ? ' dag-toggle' : ''}`}
          transform={`translate(${node.w - badgeW - 6},6)`}
          role={expandable ? 'button' : undefined}
          tabIndex={expandable ? 0 : undefined}
          aria-expanded={expandable ? node.expanded : undefined}
          aria-label={expandable ? `${node.expanded ? 'Collapse' : 'Expand'} ${node.taskId}` : undefined}
          data-testid={expandable ? `dag-toggle-${node.taskId}` : undefined}
          onClick={expandable ? () => onToggle(node.taskId) : undefined}
          onKeyDown={expandable ? onActivate(() => onToggle(node.taskId)) : undefined}
        >
          <rect width={badgeW} height={17} rx={8} />
          <text x={badgeW / 2} y={12.5} textAnchor="middle">
            {expandable ? `${node.expanded ? '▾' : '▸'}${node.badge}` : node.badge}
          </text>
        </g>
      )}
    </g>
  );
}

/**
 * A pipeline's DAG as SVG: top-level tasks in columns by dependency depth, edges from what a task
 * waits for; loops (`×N`) and nested pipelines (`pipeline`) open in place. With `tasks` (a run's) each
 * node is coloured by its task's status (`data-status`) and a click selects it.
 */
export function PipelineDag({
  spec,
  tasks,
  expanded,
  onToggle,
  selected,
  onSelect,
  now = 0,
}: {
  spec: PipelineSpec;
  tasks?: PipelineTask[];
  expanded: ReadonlySet<string>;
  onToggle: (taskId: string) => void;
  selected?: string | undefined;
  onSelect?: (taskId: string) => void;
  /** The current time, for the durations of running tasks. */
  now?: number;
}) {
  const layout = useMemo(() => layoutDag(spec, tasks, expanded), [spec, tasks, expanded]);
  const byId = useMemo(() => new Map((tasks ?? []).map((t) => [t.task_id, t])), [tasks]);
  const margin = 8;
  // Expanded boxes first, so the nodes inside them draw on top.
  const nodes = [...layout.nodes].sort((a, b) => Number(b.expanded) - Number(a.expanded));
  if (layout.nodes.length === 0) return <p className="muted">This pipeline has no tasks.</p>;
  return (
    <div className="dag-scroll" data-testid="dag">
      <svg
        className="dag"
        width={layout.w + 2 * margin}
        height={layout.h + 2 * margin}
        role="group"
        aria-label={`DAG of ${spec.name}`}
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="dag-arrow" />
          </marker>
        </defs>
        <g transform={`translate(${margin},${margin})`}>
          {nodes
            .filter((n) => n.expanded)
            .map((n) => (
              <NodeView
                key={n.taskId}
                node={n}
                task={byId.get(n.taskId)}
                now={now}
                selected={selected === n.taskId}
                onSelect={onSelect}
                onToggle={onToggle}
              />
            ))}
          {layout.edges.map((e) => {
            const mid = (e.x1 + e.x2) / 2;
            return (
              <path
                key={e.key}
                className="dag-edge"
                data-testid={`dag-edge-${e.key}`}
                d={`M${e.x1},${e.y1} C${mid},${e.y1} ${mid},${e.y2} ${e.x2 - 2},${e.y2}`}
                markerEnd="url(#dag-arrow)"
              />
            );
          })}
          {layout.labels.map((l) =>
            l.taskId && onSelect ? (
              <text
                key={l.key}
                className="dag-label dag-label-link"
                x={l.x}
                y={l.y}
                role="button"
                tabIndex={0}
                data-testid={`dag-iteration-${l.taskId}`}
                data-status={byId.get(l.taskId)?.status ?? 'pending'}
                onClick={() => onSelect(l.taskId!)}
                onKeyDown={onActivate(() => onSelect(l.taskId!))}
              >
                {l.text}
              </text>
            ) : (
              <text key={l.key} className="dag-label" x={l.x} y={l.y}>
                {l.text}
              </text>
            ),
          )}
          {nodes
            .filter((n) => !n.expanded)
            .map((n) => (
              <NodeView
                key={n.taskId}
                node={n}
                task={byId.get(n.taskId)}
                now={now}
                selected={selected === n.taskId}
                onSelect={onSelect}
                onToggle={onToggle}
              />
            ))}
        </g>
      </svg>
    </div>
  );
}

/** A status as a coloured pill (`pill-<status>` in pipelines.css). */
export function StatusPill({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`pill pill-${status}`} data-status={status} data-testid={testId}>
      {status}
    </span>
  );
}

/** The expanded-node set kept in the URL (`expand`, repeated), toggled by id. */
export function toggled(current: string[], taskId: string): string[] {
  return current.includes(taskId)
    ? current.filter((id) => id !== taskId && !id.startsWith(`${taskId}/`))
    : [...current, taskId];
}
