/** Audit details as a short line for people: `role: viewer → admin; name: HQ`. */
export function formatAuditDetails(
  details: Record<string, unknown> | undefined,
): string | undefined {
  if (!details) return undefined;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (v && typeof v === 'object' && 'from' in v && 'to' in v) {
      const { from, to } = v as { from: unknown; to: unknown };
      parts.push(`${k}: ${show(from)} → ${show(to)}`);
    } else {
      parts.push(`${k}: ${show(v)}`);
    }
  }
  return parts.length ? parts.join('; ') : undefined;
}

function show(v: unknown): string {
  if (v === '' || v === undefined || v === null) return '(empty)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
