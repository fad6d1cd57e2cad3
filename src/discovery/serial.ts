/** Serial numbers that name no device in particular ("0", "N/A", "To be filled by O.E.M." …). */
export function usableSerial(serial: string | undefined): string | undefined {
  const s = serial?.trim();
  if (
    !s ||
    s.length < 3 ||
    /^(0+|n\/?a|none|unknown|default( string)?|to be filled by o\.?e\.?m\.?|not specified|system serial number|1234567890|x+)$/i.test(
      s,
    )
  )
    return undefined;
  return s;
}
