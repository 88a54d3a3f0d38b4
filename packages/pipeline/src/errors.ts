/** One problem found while compiling or validating a pipeline: where (a dotted path into the spec) and what. */
export interface CompileIssue {
  path: string;
  message: string;
}

/** Thrown by parseSpec, loadSpec and compilePipeline; `message` lists every issue as `path: message`. */
export class PipelineCompileError extends Error {
  readonly issues: CompileIssue[];

  constructor(issues: CompileIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
    this.name = 'PipelineCompileError';
    this.issues = issues;
  }
}

/** Joins path segments the way issues name places: `tasks.train.arguments.data`. */
export function joinPath(...parts: (string | number | undefined)[]): string {
  return parts.filter((p) => p !== undefined && p !== '').join('.');
}
