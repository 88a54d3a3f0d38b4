import type { ArtifactType } from './spec.js';

const ARTIFACT = Symbol.for('ferry.pipeline.artifact');

/** An artifact input or output declaration: `Dataset`, `Model.describe('the trained model')`, `Dataset.optional()`. */
export interface ArtifactDecl<T extends ArtifactType = ArtifactType> {
  readonly [ARTIFACT]: true;
  readonly type: T;
  readonly description?: string;
  readonly isOptional?: boolean;
  describe(description: string): ArtifactDecl<T>;
  optional(): ArtifactDecl<T>;
}

function artifact<T extends ArtifactType>(
  type: T,
  description?: string,
  isOptional?: boolean,
): ArtifactDecl<T> {
  return {
    [ARTIFACT]: true,
    type,
    ...(description !== undefined && { description }),
    ...(isOptional && { isOptional }),
    describe: (d) => artifact(type, d, isOptional),
    optional: () => artifact(type, description, true),
  };
}

export function isArtifactDecl(value: unknown): value is ArtifactDecl {
  return typeof value === 'object' && value !== null && ARTIFACT in value;
}

/** Any artifact; as an input it accepts every artifact type. */
export const Artifact = artifact('Artifact');
export const Dataset = artifact('Dataset');
export const Model = artifact('Model');
export const Metrics = artifact('Metrics');
export const ClassificationMetrics = artifact('ClassificationMetrics');
export const HTML = artifact('HTML');
export const Markdown = artifact('Markdown');
