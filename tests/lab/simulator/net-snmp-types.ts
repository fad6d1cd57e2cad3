/**
 * The part of net-snmp's agent API the simulator uses, typed. @types/net-snmp declares
 * createAgent() and createMib() as `any`, and its MibProviderType enum is wrong (it says
 * Scalar = 0, Table = 1; the library uses 1 and 2), so the values below are read from the
 * library at runtime and the shapes are declared here, narrowly, from net-snmp 3.29's index.js.
 */
import snmp from 'net-snmp';
import type dgram from 'node:dgram';

/** ObjectType values (asn.1 tags), as the library exports them. */
export const T = {
  Integer: snmp.ObjectType.Integer as number,
  OctetString: snmp.ObjectType.OctetString as number,
  OID: snmp.ObjectType.OID as number,
  IpAddress: snmp.ObjectType.IpAddress as number,
  Counter32: snmp.ObjectType.Counter as number,
  Gauge32: snmp.ObjectType.Gauge as number,
  TimeTicks: snmp.ObjectType.TimeTicks as number,
  Counter64: snmp.ObjectType.Counter64 as number,
} as const;

const providerType = snmp.MibProviderType as unknown as { Scalar: number; Table: number };
export const PROVIDER_SCALAR = providerType.Scalar;
export const PROVIDER_TABLE = providerType.Table;
const maxAccess = snmp.MaxAccess as unknown as Record<string, number>;
export const NOT_ACCESSIBLE = maxAccess['not-accessible']!;
export const READ_ONLY = maxAccess['read-only']!;

export type MibValue = number | string | Buffer;

export interface MibNode {
  oid: string;
  value: MibValue | undefined;
  valueType: number;
}

export interface MibRequest {
  /** The instance OID being answered. */
  oid: string;
  operation: number;
  instanceNode?: MibNode;
  done(error?: { errorStatus: number; type?: number; value?: unknown }): void;
}

export interface TableColumn {
  number: number;
  name: string;
  type: number;
  maxAccess: number;
}

export interface TableIndexPart {
  columnName: string;
  /** The provider that owns the column, for an index part from another table. */
  foreign?: string;
  /** A fixed-size OCTET STRING index (a MacAddress): no length sub-identifier. */
  length?: number;
  implied?: boolean;
}

export interface ScalarProvider {
  name: string;
  type: number;
  oid: string;
  scalarType: number;
  maxAccess: number;
  handler?: (req: MibRequest) => void;
}

export interface TableProvider {
  name: string;
  type: number;
  /** The entry OID (…Table.1), not the table's. */
  oid: string;
  maxAccess: number;
  tableColumns: readonly TableColumn[];
  tableIndex: TableIndexPart[];
  handler?: (req: MibRequest) => void;
}

export interface Mib {
  registerProvider(provider: ScalarProvider | TableProvider): void;
  setScalarValue(name: string, value: MibValue): void;
  addTableRow(name: string, row: MibValue[]): void;
}

export interface Authorizer {
  addCommunity(community: string): void;
  addUser(user: snmp.User): void;
}

export interface Agent {
  getMib(): Mib;
  setMib(mib: Mib): void;
  getAuthorizer(): Authorizer;
  close(callback?: (socket: unknown) => void): void;
}

/** The subset of node:dgram that net-snmp's Listener calls (its `dgramModule` option). */
export interface DgramModule {
  createSocket(type: dgram.SocketType): dgram.Socket;
}

export interface AgentOptions {
  port: number;
  address: string;
  transport: 'udp4';
  disableAuthorization: false;
  engineID: string;
  dgramModule: DgramModule;
}

export function createMib(): Mib {
  return snmp.createMib() as Mib;
}

export function createAgent(
  options: AgentOptions,
  callback: (error: Error | null) => void,
  mib: Mib,
): Agent {
  return snmp.createAgent(options, callback, mib) as Agent;
}

/**
 * The agent's USM engine. Not public API: net-snmp reports snmpEngineBoots 0 and snmpEngineTime
 * 10 for ever in its discovery reports; the simulator keeps them real (see agent.ts).
 */
export function agentEngine(agent: Agent): { engineBoots: number; engineTime: number } | undefined {
  const engine = (agent as unknown as { engine?: { engineBoots: unknown; engineTime: unknown } })
    .engine;
  return engine && typeof engine.engineBoots === 'number' && typeof engine.engineTime === 'number'
    ? (engine as { engineBoots: number; engineTime: number })
    : undefined;
}

export const AUTH_PROTOCOLS = {
  sha: snmp.AuthProtocols.sha,
  md5: snmp.AuthProtocols.md5,
  sha256: snmp.AuthProtocols.sha256,
} as const;
export const PRIV_PROTOCOLS = { aes: snmp.PrivProtocols.aes, des: snmp.PrivProtocols.des } as const;
export const AUTH_PRIV = snmp.SecurityLevel.authPriv;
