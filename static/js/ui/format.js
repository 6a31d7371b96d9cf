// Numbers as the page shows them: 3–4 significant figures, scientific below 1e-3.

/** A number for people: "0.01234", "1.23e-5", "—" for a missing value. */
export function formatNumber(value) {
  if (value === null || value === undefined) return "—";
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e6) {
    const [mantissa, exponent] = value.toExponential(2).split("e");
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(value.toPrecision(4)));
}

/** A value exactly as the user would type it back (placeholders, default hints). */
export function formatExact(value) {
  if (value === null || value === undefined) return "None";
  if (Array.isArray(value)) return value.map(formatExact).join(", ");
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}
