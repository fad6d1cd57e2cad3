/**
 * Conditional GETs (RFC 9110 13.1.2): whether an If-None-Match header names this entity tag.
 * The comparison is weak (a `W/` prefix on either side is ignored), the header may list several
 * tags, and `*` matches any.
 */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === bare);
}
