import type { Tag, ViewType } from '@ferry/core';
import type { Fields } from '../http/message.js';

/** ViewType by proto number, which proto JSON also accepts. */
export const VIEW_TYPE_NUMBERS: Record<number, ViewType> = { 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' };

/** A `{key, value}` message (tag or param): key required, value may be absent (empty string). */
export function readKeyValue(fields: Fields): Tag {
  return { key: fields.string('key'), value: fields.optionalString('value') ?? '' };
}

/** A repeated `{key, value}` field such as `tags` or `params`. */
export function readKeyValues(fields: Fields, name: string): Tag[] {
  return fields.messages(name).map(readKeyValue);
}
