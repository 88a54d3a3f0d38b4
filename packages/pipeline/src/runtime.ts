import type { ArtifactKeys, ArtifactRef, IODecls, StepInputs, StepOutputs } from './io.js';

export type { ArtifactRef, StepInputs, StepOutputs } from './io.js';

/** The second argument of a function step. Artifact inputs are ArtifactRefs in `inputs`. */
export interface StepContext<O extends IODecls = IODecls> {
  /** Where to write each artifact output. */
  outputs: { [K in ArtifactKeys<O>]: ArtifactRef };
  log: (message: string) => void;
}

/** A function step's code: returns its parameter outputs. */
export type StepFunction<I extends IODecls = IODecls, O extends IODecls = IODecls> = (
  inputs: StepInputs<I>,
  ctx: StepContext<O>,
) => StepOutputs<O> | Promise<StepOutputs<O>>;

/** The untyped form a function runner calls. */
export type AnyStepFunction = (
  inputs: Record<string, unknown>,
  ctx: { outputs: Record<string, ArtifactRef>; log: (message: string) => void },
) => Record<string, unknown> | Promise<Record<string, unknown>>;
