import { AppError } from '../core/errors.js';

/**
 * A signal that aborts when `parent` aborts or after `ms`, whichever comes first. Built from a
 * plain timer rather than `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: Node 20 holds the
 * sources of `any()` weakly, so the timeout signal can be garbage-collected and never fire (seen
 * as a scan hung on a slow agent). Call `clear()` in a `finally`.
 */
export function deadline(
  parent: AbortSignal | undefined,
  ms: number,
  reason: () => AppError,
): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => controller.abort(reason()), ms);
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
