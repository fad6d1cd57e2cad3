/**
 * A thin layer over net-snmp's Mib: table definitions are declared once per module and shared by
 * every agent (the column arrays are never mutated); a build registers providers, adds rows and
 * attaches handlers that refresh moving values just before net-snmp answers with them.
 */
import {
  createMib,
  NOT_ACCESSIBLE,
  PROVIDER_SCALAR,
  PROVIDER_TABLE,
  READ_ONLY,
  T,
  type Mib,
  type MibRequest,
  type MibValue,
  type TableColumn,
  type TableIndexPart,
} from './net-snmp-types.js';

export interface ColumnSpec {
  n: number;
  name: string;
  type: number;
  /** A not-accessible INDEX column: part of the row's OID, never answered. */
  index?: true;
}

export interface TableDef {
  name: string;
  /** The entry OID (…Table.1). */
  oid: string;
  columns: readonly TableColumn[];
  index: readonly Readonly<TableIndexPart>[];
}

export function defineTable(
  name: string,
  oid: string,
  columns: ColumnSpec[],
  index: TableIndexPart[],
): TableDef {
  return Object.freeze({
    name,
    oid,
    columns: Object.freeze(
      columns.map((c) =>
        Object.freeze({
          number: c.n,
          name: c.name,
          type: c.type,
          maxAccess: c.index ? NOT_ACCESSIBLE : READ_ONLY,
        }),
      ),
    ),
    index: Object.freeze(index.map((p) => Object.freeze({ ...p }))),
  });
}

/** Computes a moving cell: column number and the row's index sub-identifiers. */
export type CellFn = (column: number, index: readonly string[]) => MibValue | undefined;

const ZERO_COUNTER64 = Buffer.alloc(8);

export class MibBuilder {
  readonly mib: Mib = createMib();
  constructor(private readonly onError: (error: unknown) => void) {
    // net-snmp's agent calls getTableRowCells twice for every table varbind it answers, only to
    // hand the whole row to the agent callback (which the simulator ignores). Each call counts
    // the children of every column (Object.keys), so a walk costs rows x columns per varbind:
    // 60 % of the CPU of walking a 48-port ifTable. The agent never needs the row to answer.
    (this.mib as unknown as { getTableRowCells: () => null }).getTableRowCells = () => null;
  }

  scalar(name: string, oid: string, type: number, value: MibValue | (() => MibValue)): void {
    const compute = typeof value === 'function' ? value : undefined;
    this.mib.registerProvider({
      name,
      type: PROVIDER_SCALAR,
      oid,
      scalarType: type,
      maxAccess: READ_ONLY,
      handler: compute && ((req) => this.refresh(req, () => compute())),
    });
    this.mib.setScalarValue(name, this.initial(type, compute ? compute() : (value as MibValue)));
  }

  /** Registers a table and its rows. Rows hold foreign index values first, then every column. */
  table(def: TableDef, rows: MibValue[][], cell?: CellFn): void {
    if (rows.length === 0) return;
    const prefix = def.oid.length + 1;
    this.mib.registerProvider({
      name: def.name,
      type: PROVIDER_TABLE,
      oid: def.oid,
      maxAccess: NOT_ACCESSIBLE,
      tableColumns: def.columns,
      // registerProvider writes into the index parts (types, column numbers): give it copies
      tableIndex: def.index.map((p) => ({ ...p })),
      handler:
        cell &&
        ((req) =>
          this.refresh(req, () => {
            const sub = req.oid.slice(prefix).split('.');
            return cell(Number(sub[0]), sub.slice(1));
          })),
    });
    const foreign = def.index.filter((p) => p.foreign).length;
    for (const row of rows) {
      this.mib.addTableRow(
        def.name,
        row.map((v, i) => {
          const column = def.columns[i - foreign];
          return column ? this.initial(column.type, v) : v;
        }),
      );
    }
  }

  /** net-snmp validates a Counter64 as exactly 8 octets when a row is added; the handler then
   * replaces it with the minimal encoding before any answer goes out. */
  private initial(type: number, value: MibValue): MibValue {
    return type === T.Counter64 ? ZERO_COUNTER64 : value;
  }

  private refresh(req: MibRequest, compute: () => MibValue | undefined): void {
    try {
      const node = req.instanceNode;
      if (node) {
        const value = compute();
        if (value !== undefined) node.value = value;
      }
    } catch (error) {
      this.onError(error);
    }
    req.done();
  }
}
