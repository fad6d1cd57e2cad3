// In tests, response bodies are checked with matchers rather than typed: let json() be any.
export {};
declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}
