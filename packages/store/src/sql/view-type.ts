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
