/**
 * Strings many devices share (metric names, interface numbers and names): kept once. A site of a
 * thousand switches has a few hundred distinct values behind a few hundred thousand series.
 */
export class StringPool {
  private readonly map = new Map<string, string>();
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  intern(s: string): string {
    const known = this.map.get(s);
    if (known !== undefined) return known;
    // A concatenated string is a tree of parts; the copy kept is one flat string.
    const flat = JSON.parse(JSON.stringify(s)) as string;
    this.map.set(flat, flat);
    return flat;
  }
  get size(): number {
    return this.map.size;
  }
  /** A small number for a string (for typed arrays): its position in the pool's list. */
  idOf(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.names.length;
      const flat = this.intern(s);
      this.names.push(flat);
      this.ids.set(flat, id);
    }
    return id;
  }
  /** The string's number, or undefined when the pool has never numbered it. */
  peekId(s: string): number | undefined {
    return this.ids.get(s);
  }
  nameOf(id: number): string {
    return this.names[id]!;
  }
}
