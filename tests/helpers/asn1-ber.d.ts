// The parts of asn1-ber (net-snmp's BER codec) that the hostile test agent uses.
declare module 'asn1-ber' {
  export const Ber: {
    Reader: new (buf: Buffer) => {
      offset: number;
      length: number;
      readSequence(tag?: number): number | null;
      readInt(): number | null;
      readString(): string | null;
      readOID(): string | null;
      readByte(): number | null;
    };
    Writer: new () => {
      buffer: Buffer;
      startSequence(tag?: number): void;
      endSequence(): void;
      writeInt(n: number): void;
      writeString(s: string): void;
      writeOID(s: string): void;
    };
  };
}
