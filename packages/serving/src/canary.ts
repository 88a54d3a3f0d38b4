import type { ServingTarget, ServingTargetProvider } from './slots.js';

/**
 * Splits traffic between two providers: `percent` of requests are answered by the canary, the rest by
 * the primary. The split is exact rather than random (request n goes to the canary when the running
 * share of canary requests falls behind `percent`), so a 10 % canary gets 1 request in 10 even at low
 * traffic. Each request still sees both models: the chosen one first (it answers the MLflow routes and
 * unversioned Open Inference paths), the other after it, so `/v2/models/{name}/versions/{v}` reaches
 * either version explicitly.
 */
export function canaryTarget(
  primary: ServingTargetProvider,
  canary: ServingTargetProvider,
  percent: number,
): ServingTargetProvider {
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`canary percent ${percent} is not in 0..100`);
  let served = 0;
  let toCanary = 0;
  return () => {
    served++;
    const useCanary = toCanary * 100 < served * percent;
    if (useCanary) toCanary++;
    const main = primary();
    const other = canary();
    const [first, second] = useCanary ? [other, main] : [main, other];
    return combine(first, second);
  };
}

function combine(first: ServingTarget, second: ServingTarget): ServingTarget {
  const seen = new Set(first.models.map((m) => `${m.name}\u0000${m.version ?? ''}`));
  const models = [
    ...first.models,
    ...second.models.filter((m) => !seen.has(`${m.name}\u0000${m.version ?? ''}`)),
  ];
  return {
    models,
    release() {
      first.release?.();
      second.release?.();
    },
  };
}
