// What a reader may type into a live-run input: a number within the slider's range, on its step grid.
// Pure (no DOM), so it can be checked with `node --test`.

// Decimals of a step (0.05 -> 2), to compare values on the grid without floating-point noise.
const decimals = (x) => (String(x).split(".")[1] || "").length;

// checkValue("12", {label: "T (steps)", min: 4, max: 256, step: 4}) -> {value: 12} or {error: "..."}.
export function checkValue(raw, { label, min, max, step }) {
  const whole = Number.isInteger(step) && Number.isInteger(min);
  const rule = whole && step === 1 ? `a whole number from ${min} to ${max}`
    : whole ? `a multiple of ${step} from ${min} to ${max}`
    : `a number from ${min} to ${max} in steps of ${step}`;
  const text = String(raw).trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) return { error: `${label} must be ${rule}.` };
  if (value < min || value > max) return { error: `${label} must be ${rule}; ${text} is out of range.` };
  const places = Math.max(decimals(step), decimals(min));
  const k = (value - min) / step;
  if (Math.abs(k - Math.round(k)) > 1e-9) return { error: `${label} must be ${rule}; ${text} is not.` };
  return { value: Number((min + Math.round(k) * step).toFixed(places)) };
}

// Whether a run's output is zero everywhere (a parameter that switches off writing, e.g. beta = 0).
export function allZero(data) {
  for (const x of data) if (x !== 0) return false;
  return true;
}
