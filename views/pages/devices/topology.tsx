import { Layout, type ShellUser } from '../../layout.js';
import { TopologySvg, type TopoEdgeIn, type TopoNodeIn } from './topology-svg.js';
import { TypeBadge } from './type-badge.js';

export interface TopologyPageProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  nodes: TopoNodeIn[];
  edges: TopoEdgeIn[];
}

export function TopologyPage(p: TopologyPageProps) {
  const names = new Map(p.nodes.map((n) => [n.id, n]));
  const types = [...new Set(p.nodes.map((n) => n.type))].sort();
  const linked = new Set(p.edges.flatMap((e) => [e.a, e.b]));
  const ref = (id: string) => {
    const n = names.get(id);
    if (!n) return id;
    return n.href ? <a href={n.href}>{n.name}</a> : <span>{n.name} (not in the inventory)</span>;
  };
  return (
    <Layout
      title="Topology"
      siteName={p.siteName}
      active="/devices"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/devices">Devices</a> <span aria-hidden="true">›</span>
      </nav>
      <div class="page-head">
        <h1>Topology</h1>
        <p class="muted">
          How the devices are connected, from what switches and routers report over SNMP: LLDP
          neighbours and the MAC addresses each switch port has learned.
        </p>
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.nodes.length === 0 ? (
        <section class="card empty">
          <h2>Nothing to draw yet</h2>
          <p>
            The inventory is empty. <a href="/devices">Devices</a> says how it gets filled.
          </p>
        </section>
      ) : (
        <>
          <section class="card">
            <div class="legend" aria-label="Legend">
              {types.map((t) => (
                <TypeBadge type={t} />
              ))}
              <span class="legend-line lldp">LLDP link</span>
              <span class="legend-line fdb">learned MAC</span>
            </div>
            {p.edges.length === 0 ? (
              <p class="muted small">
                No links are known yet: they come from switches and routers that answer SNMP with
                LLDP or a forwarding table. Add their SNMP credentials under Settings → SNMP
                credentials.
              </p>
            ) : null}
            <div class="topology-scroll" tabindex={0}>
              <TopologySvg nodes={p.nodes} edges={p.edges} />
            </div>
            <p class="muted small">
              Switches and routers are on top, with what hangs off each port below them. Each box
              opens its device; a dashed box was not found by a scan.
            </p>
          </section>
          {p.edges.length ? (
            <section class="card" id="links">
              <h2>Links</h2>
              <div class="table-scroll">
                <table class="table compact links">
                  <thead>
                    <tr>
                      <th>Device</th>
                      <th>Port</th>
                      <th>Connected to</th>
                      <th>Port</th>
                      <th>Known from</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.edges.map((e) => (
                      <tr>
                        <td>{ref(e.a)}</td>
                        <td>{e.aPort ?? ''}</td>
                        <td>{ref(e.b)}</td>
                        <td>{e.bPort ?? ''}</td>
                        <td>{e.via === 'lldp' ? 'LLDP' : 'forwarding table'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p class="muted small">
                {p.nodes.filter((n) => !linked.has(n.id)).length} device(s) without a known link.
              </p>
            </section>
          ) : null}
        </>
      )}
    </Layout>
  );
}
