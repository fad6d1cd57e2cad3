/** The way back up, above every inspection page's title: Monitoring › Inspections › … */
export function Crumbs(p: { trail: Array<{ label: string; href?: string | undefined }> }) {
  const all = [
    { label: 'Monitoring', href: '/monitoring' },
    { label: 'Inspections', href: '/monitoring/inspections' },
    ...p.trail,
  ];
  // The list page itself ends at Monitoring.
  const shown = p.trail.length ? all : all.slice(0, 1);
  return (
    <p class="crumbs">
      {shown.map((c, i) => (
        <>
          {i > 0 ? ' › ' : ''}
          {c.href ? <a href={c.href}>{c.label}</a> : c.label}
        </>
      ))}
    </p>
  );
}
