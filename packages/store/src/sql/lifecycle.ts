import { invalidParam } from '@ferry/core';
import type { ViewType } from '@ferry/core';

/** The lifecycle stages a view type selects. */
export function lifecycleStages(viewType: ViewType | undefined): string[] {
  switch (viewType ?? 'ACTIVE_ONLY') {
    case 'ACTIVE_ONLY':
      return ['active'];
    case 'DELETED_ONLY':
      return ['deleted'];
    case 'ALL':
      return ['active', 'deleted'];
  }
}

/** Writes need an active entity: MLflow's INVALID_PARAMETER_VALUE for a deleted run or experiment. */
export function requireActive(what: 'run' | 'experiment', id: string, stage: string): void {
  if (stage !== 'active') {
    throw invalidParam(`The ${what} ${id} must be in the 'active' state. Current state is ${stage}.`);
  }
}
