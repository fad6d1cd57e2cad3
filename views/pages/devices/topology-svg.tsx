import { TypeGlyph } from './type-badge.js';
import { clip, typeLabel } from './format.js';
import { compareNatural, compareText } from '../../../src/lib/collate.js';

export interface TopoNodeIn {
  id: string;
  name: string;
  type: string;
  ip: string;
  status: string;
  ghost?: boolean | undefined;
  href?: string | undefined;
}

export interface TopoEdgeIn {
  a: string;
  b: string;
  aPort?: string | undefined;
  bPort?: string | undefined;
  via: 'lldp' | 'fdb';
}

export const NODE_W = 156;
export const NODE_H = 44;
const STUB = 92;
const GAP = 24;
/** Room between two linked hubs side by side, for the two port labels on the line. */
const LINK_GAP = 128;
const ROW = NODE_H + 16;
const MARGIN = 16;
const ARC_SPACE = 84;
/** Groups with more children than this hang them on both sides of the spine. */
const ONE_SIDE_MAX = 6;

const INFRA_RANK: Record<string, number> = { firewall: 0, router: 1, switch: 2 };

interface Box {
  x: number;
  y: number;
}

export interface Layout {
  width: number;
  height: number;
  pos: Map<string, Box>;
  hubs: string[];
  /** Spine of each hub with children: x, from y, to y. */
  spines: Array<{ hub: string; x: number; y1: number; y2: number }>;
  /** Tree edges: hub → child, drawn as a stub off the hub's spine. */
  stubs: Array<{ edge: TopoEdgeIn; hub: string; child: string; x1: number; x2: number; y: number }>;
  /** Links between hubs on the top row. */
  hubLinks: TopoEdgeIn[];
  /** Any other link, drawn as a straight line. */
  extra: TopoEdgeIn[];
  /** Where the "no known link" area starts, if there is one. */
  looseY?: number | undefined;
}

/**
 * A deterministic layout: routers, firewalls, switches (and anything with devices behind it) in
 * a row at the top, ordered so that linked ones sit side by side; under each, the devices that
 * hang off it, on a vertical spine with one stub per device (labelled with the port); devices
 * without a known link in a grid at the bottom.
 */
export function layoutTopology(nodes: TopoNodeIn[], edges: TopoEdgeIn[]): Layout {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const byName = (a: string, b: string) =>
    compareNatural(byId.get(a)?.name ?? a, byId.get(b)?.name ?? b) || compareText(a, b);
  const fdbParents = new Set(edges.filter((e) => e.via === 'fdb').map((e) => e.a));
  // Nodes outside the inventory (known only from LLDP) hang off the hub that saw them.
  const isHub = (id: string) => {
    const n = byId.get(id);
    return Boolean(n && !n.ghost && (n.type in INFRA_RANK || fdbParents.has(id)));
  };
  const hubIds = nodes.map((n) => n.id).filter(isHub);
  const rank = (id: string) => INFRA_RANK[byId.get(id)!.type] ?? 3;
  hubIds.sort((a, b) => rank(a) - rank(b) || byName(a, b));

  const hubLinks = edges.filter((e) => isHub(e.a) && isHub(e.b) && byId.has(e.a) && byId.has(e.b));
  // Order hubs breadth-first along their links, so that linked hubs sit next to each other.
  const adj = new Map<string, string[]>();
  for (const e of hubLinks) {
    adj.set(e.a, [...(adj.get(e.a) ?? []), e.b]);
    adj.set(e.b, [...(adj.get(e.b) ?? []), e.a]);
  }
  const hubs: string[] = [];
  const seen = new Set<string>();
  for (const start of hubIds) {
    if (seen.has(start)) continue;
    const queue = [start];
    seen.add(start);
    while (queue.length) {
      const h = queue.shift()!;
      hubs.push(h);
      const next = [...new Set(adj.get(h) ?? [])]
        .filter((x) => !seen.has(x))
        .sort((a, b) => rank(a) - rank(b) || byName(a, b));
      for (const x of next) {
        seen.add(x);
        queue.push(x);
      }
    }
  }

  // Each other node hangs off one hub: an LLDP link wins over an FDB one, then the hub order.
  const hubIndex = new Map(hubs.map((h, i) => [h, i]));
  const parent = new Map<string, TopoEdgeIn>();
  const treeEdges = new Set<TopoEdgeIn>();
  const sortedEdges = [...edges].sort(
    (x, y) =>
      (x.via === 'lldp' ? 0 : 1) - (y.via === 'lldp' ? 0 : 1) ||
      (hubIndex.get(x.a) ?? hubIndex.get(x.b) ?? 0) - (hubIndex.get(y.a) ?? hubIndex.get(y.b) ?? 0),
  );
  for (const e of sortedEdges) {
    if (!byId.has(e.a) || !byId.has(e.b)) continue;
    const [hub, child] =
      isHub(e.a) && !isHub(e.b) ? [e.a, e.b] : isHub(e.b) && !isHub(e.a) ? [e.b, e.a] : [];
    if (!hub || !child || parent.has(child)) continue;
    parent.set(child, e);
    treeEdges.add(e);
  }
  const children = new Map<string, string[]>(hubs.map((h) => [h, []]));
  for (const [child, e] of parent) {
    const hub = isHub(e.a) ? e.a : e.b;
    children.get(hub)!.push(child);
  }
  for (const list of children.values()) list.sort(byName);

  const pos = new Map<string, Box>();
  const spines: Layout['spines'] = [];
  const stubs: Layout['stubs'] = [];
  const arcs = hubLinks.some(
    (e) => Math.abs((hubIndex.get(e.a) ?? 0) - (hubIndex.get(e.b) ?? 0)) > 1,
  );
  const hubY = MARGIN + (arcs ? ARC_SPACE : 0);
  const childTop = hubY + NODE_H + 28;
  const pair = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  const linked = new Set(hubLinks.map((e) => pair(e.a, e.b)));
  let x = MARGIN;
  let bottom = hubs.length ? hubY + NODE_H : MARGIN;
  let prev: { id: string; right: number } | undefined;
  for (const h of hubs) {
    const kids = children.get(h)!;
    const twoSided = kids.length > ONE_SIDE_MAX;
    // Where the hub's box starts relative to its group.
    const hubOffset = twoSided ? NODE_W / 2 + STUB : 0;
    if (prev && linked.has(pair(prev.id, h))) x = Math.max(x, prev.right + LINK_GAP - hubOffset);
    prev = { id: h, right: x + hubOffset + NODE_W };
    if (!kids.length) {
      pos.set(h, { x, y: hubY });
      x += NODE_W + GAP;
      continue;
    }
    const spineX = twoSided ? x + NODE_W + STUB : x + NODE_W / 2;
    pos.set(h, { x: spineX - NODE_W / 2, y: hubY });
    const rows = twoSided ? Math.ceil(kids.length / 2) : kids.length;
    kids.forEach((k, i) => {
      const row = twoSided ? Math.floor(i / 2) : i;
      const left = twoSided && i % 2 === 0;
      const y = childTop + row * ROW;
      const nx = left ? spineX - STUB - NODE_W : spineX + STUB;
      pos.set(k, { x: nx, y });
      const e = parent.get(k)!;
      stubs.push({
        edge: e,
        hub: h,
        child: k,
        x1: spineX,
        x2: left ? nx + NODE_W : nx,
        y: y + NODE_H / 2,
      });
    });
    const lastY = childTop + (rows - 1) * ROW + NODE_H / 2;
    spines.push({ hub: h, x: spineX, y1: hubY + NODE_H, y2: lastY });
    bottom = Math.max(bottom, childTop + (rows - 1) * ROW + NODE_H);
    x = twoSided ? spineX + STUB + NODE_W + GAP : spineX + STUB + NODE_W + GAP;
  }
  const loose = nodes
    .map((n) => n.id)
    .filter((id) => !isHub(id) && !parent.has(id))
    .sort(byName);
  let width = Math.max(x - GAP + MARGIN, 4 * (NODE_W + GAP) + 2 * MARGIN - GAP);
  let looseY: number | undefined;
  if (loose.length) {
    looseY = hubs.length ? bottom + 48 : MARGIN - 10;
    const cols = Math.max(4, Math.floor((width - 2 * MARGIN + GAP) / (NODE_W + GAP)));
    loose.forEach((id, i) => {
      pos.set(id, {
        x: MARGIN + (i % cols) * (NODE_W + GAP),
        y: looseY! + 10 + Math.floor(i / cols) * ROW,
      });
    });
    bottom = looseY + 10 + (Math.ceil(loose.length / cols) - 1) * ROW + NODE_H;
    width = Math.max(width, MARGIN * 2 + Math.min(cols, loose.length) * (NODE_W + GAP) - GAP);
  }
  const extra = edges.filter(
    (e) => !treeEdges.has(e) && !hubLinks.includes(e) && pos.has(e.a) && pos.has(e.b),
  );
  return {
    width,
    height: bottom + MARGIN,
    pos,
    hubs,
    spines,
    stubs,
    hubLinks,
    extra,
    looseY,
  };
}

function PortLabel(props: { x: number; y: number; text: string | undefined; anchor?: string }) {
  if (!props.text) return null;
  return (
    <text class="elabel" x={props.x} y={props.y} text-anchor={props.anchor ?? 'middle'}>
      <title>{props.text}</title>
      {clip(props.text, 16)}
    </text>
  );
}

function Node(props: { n: TopoNodeIn; at: Box }) {
  const { n, at } = props;
  const cls = `tnode t-${n.type} st-${n.status}${n.ghost ? ' ghost' : ''}`;
  const body = (
    <>
      <title>
        {`${n.name}${n.ip ? ` · ${n.ip}` : ''} · ${typeLabel(n.type)}${n.ghost ? ' · not in the inventory' : n.status === 'missing' ? ' · missing' : ''}`}
      </title>
      <rect class="box" x={at.x} y={at.y} width={NODE_W} height={NODE_H} rx="8" />
      <g
        class="glyph"
        transform={`translate(${at.x + 10} ${at.y + 14})`}
        fill="none"
        stroke="currentColor"
        stroke-width="1.4"
        stroke-linecap="round"
        stroke-linejoin="round"
      >
        <TypeGlyph type={n.type} />
      </g>
      <text class="name" x={at.x + 32} y={at.y + 19}>
        {clip(n.name, 16)}
      </text>
      <text class="sub" x={at.x + 32} y={at.y + 35}>
        {n.ghost ? 'not in inventory' : clip(n.ip, 18)}
      </text>
    </>
  );
  return n.href ? (
    <a href={n.href} class={cls} data-id={n.id}>
      {body}
    </a>
  ) : (
    <g class={cls} data-id={n.id}>
      {body}
    </g>
  );
}

/** The topology as an SVG drawn on the server; nodes link to their device pages. */
export function TopologySvg(props: { nodes: TopoNodeIn[]; edges: TopoEdgeIn[] }) {
  const L = layoutTopology(props.nodes, props.edges);
  const byId = new Map(props.nodes.map((n) => [n.id, n]));
  const centre = (id: string) => {
    const p = L.pos.get(id)!;
    return { x: p.x + NODE_W / 2, y: p.y + NODE_H / 2 };
  };
  const hubOrder = new Map(L.hubs.map((h, i) => [h, i]));
  // How many hub links start at each hub so far, to fan their ends out a little.
  const fan = new Map<string, number>();
  const fanOffset = (id: string) => {
    const n = fan.get(id) ?? 0;
    fan.set(id, n + 1);
    return n === 0 ? 0 : (n % 2 ? 1 : -1) * Math.ceil(n / 2) * 14;
  };
  return (
    <svg
      class="topology"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${L.width} ${L.height}`}
      width={L.width}
      height={L.height}
      role="img"
      aria-labelledby="topo-title"
    >
      <title id="topo-title">
        {`Network topology: ${props.nodes.length} devices, ${props.edges.length} links`}
      </title>
      <g class="edges">
        {L.spines.map((s) => (
          <line class="spine" x1={s.x} y1={s.y1} x2={s.x} y2={s.y2} />
        ))}
        {L.stubs.map((s) => (
          <line
            class={`edge via-${s.edge.via}`}
            x1={s.x1}
            y1={s.y}
            x2={s.x2}
            y2={s.y}
            data-a={s.edge.a}
            data-b={s.edge.b}
          />
        ))}
        {L.hubLinks.map((e) => {
          const [a, b] =
            (hubOrder.get(e.a) ?? 0) <= (hubOrder.get(e.b) ?? 0) ? [e.a, e.b] : [e.b, e.a];
          const pa = L.pos.get(a)!;
          const pb = L.pos.get(b)!;
          const aPort = a === e.a ? e.aPort : e.bPort;
          const bPort = a === e.a ? e.bPort : e.aPort;
          const adjacent = Math.abs((hubOrder.get(a) ?? 0) - (hubOrder.get(b) ?? 0)) === 1;
          if (adjacent) {
            const y = pa.y + NODE_H / 2 + fanOffset(`${a}>`) / 2;
            const x1 = pa.x + NODE_W;
            const x2 = pb.x;
            return (
              <g>
                <line
                  class={`edge via-${e.via}`}
                  x1={x1}
                  y1={y}
                  x2={x2}
                  y2={y}
                  data-a={e.a}
                  data-b={e.b}
                />
                <PortLabel x={x1 + 6} y={y - 5} text={aPort} anchor="start" />
                <PortLabel x={x2 - 6} y={y + 13} text={bPort} anchor="end" />
              </g>
            );
          }
          const x1 = pa.x + NODE_W / 2 + fanOffset(a);
          const x2 = pb.x + NODE_W / 2 + fanOffset(b);
          const y0 = pa.y;
          const h = Math.min(ARC_SPACE - 14, 26 + Math.abs(x2 - x1) * 0.08);
          return (
            <g>
              <path
                class={`edge via-${e.via}`}
                d={`M${x1} ${y0} C${x1} ${y0 - h} ${x2} ${y0 - h} ${x2} ${y0}`}
                data-a={e.a}
                data-b={e.b}
              />
              <PortLabel x={x1 + 4} y={y0 - 8} text={aPort} anchor="start" />
              <PortLabel x={x2 - 4} y={y0 - 8} text={bPort} anchor="end" />
            </g>
          );
        })}
        {L.extra.map((e) => {
          const a = centre(e.a);
          const b = centre(e.b);
          return (
            <line
              class={`edge extra via-${e.via}`}
              x1={a.x}
              y1={a.y}
              x2={b.x}
              y2={b.y}
              data-a={e.a}
              data-b={e.b}
            />
          );
        })}
      </g>
      <g class="edge-labels">
        {L.stubs.map((s) => {
          const hubPort = s.edge.a === s.hub ? s.edge.aPort : s.edge.bPort;
          const childPort = s.edge.a === s.hub ? s.edge.bPort : s.edge.aPort;
          const left = s.x2 < s.x1;
          return (
            <>
              <PortLabel
                x={left ? s.x1 - 6 : s.x1 + 6}
                y={s.y - 5}
                text={hubPort}
                anchor={left ? 'end' : 'start'}
              />
              <PortLabel
                x={left ? s.x2 + 6 : s.x2 - 6}
                y={s.y + 13}
                text={childPort}
                anchor={left ? 'start' : 'end'}
              />
            </>
          );
        })}
      </g>
      {L.looseY !== undefined && L.hubs.length ? (
        <text class="area-label" x={MARGIN} y={L.looseY}>
          No known link
        </text>
      ) : null}
      <g class="nodes">
        {[...L.pos].map(([id, at]) => (
          <Node n={byId.get(id)!} at={at} />
        ))}
      </g>
    </svg>
  );
}
