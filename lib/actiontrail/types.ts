import type { components } from './generated/schema.ts';

/**
 * One ActionTrail management event.
 * @public
 */
export type ActionTrailEvent = components['schemas']['ActionTrailEvent'];

/**
 * A `LookupAttribute` filter (at most two, ANDed).
 * @public
 */
export interface LookupAttribute {
  readonly key: components['schemas']['LookupAttributeKey'];
  readonly value: string;
}
