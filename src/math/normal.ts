/**
 * The standard normal distribution, accurate in the tails: the Parzen estimators of TPE and the
 * expected improvement of the GP sampler both need log-densities and log-CDFs far from the mean.
 */

const SQRT2 = Math.SQRT2;
const SQRT_PI = Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Series of exp(x²)·erf(x)·√π/2 with positive terms only (no cancellation): Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)). */
function erfSeriesScaled(x: number): number {
  const x2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 0; n < 200; n++) {
    term *= x2 / (2 * n + 3);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return sum;
}

/** Scaled complementary error function exp(x²)·erfc(x), finite for every x ≥ -26. */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) {
    // erfc(-y) = 2 - erfc(y)
    return x < -26.5 ? Infinity : 2 * Math.exp(x * x) - erfcx(-x);
  }
  if (x < 2.5) return Math.exp(x * x) - (2 / SQRT_PI) * erfSeriesScaled(x);
  if (x > 1e8) return 1 / (SQRT_PI * x);
  // Laplace's continued fraction erfc(x) = exp(-x²)/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …)))), evaluated bottom-up.
  const terms = x < 4 ? 90 : x < 8 ? 40 : 16;
  let t = x;
  for (let k = terms; k >= 1; k--) t = x + k / 2 / t;
  return 1 / (SQRT_PI * t);
}

/** Complementary error function, relative accuracy kept in the upper tail. */
export function erfc(x: number): number {
  if (x >= 0) return x > 27 ? 0 : erfcx(x) * Math.exp(-x * x);
  return 2 - erfc(-x);
}

export function erf(x: number): number {
  if (Math.abs(x) < 0.5) return (2 / SQRT_PI) * Math.exp(-x * x) * erfSeriesScaled(x);
  return 1 - erfc(x);
}

/**
 * Φ(z) to ~1e-7 relative accuracy at a fraction of the cost of `normCdf` (the classic Chebyshev
 * fit of erfc, Numerical Recipes' erfcc): for the truncation masses of thousands of Parzen kernels.
 */
export function normCdfFast(z: number): number {
  const x = -z / SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const r =
    t *
    Math.exp(
      -ax * ax -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  // r = erfc(|x|)
  return 0.5 * (x >= 0 ? r : 2 - r);
}

/** Φ(z), the standard normal CDF. */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/** log Φ(z), finite down to z ≈ -1e150 (where Φ itself underflows at z ≈ -38). */
export function logNormCdf(z: number): number {
  if (z > 5) return Math.log1p(-normCdf(-z));
  if (z > -5) return Math.log(normCdf(z));
  const y = -z / SQRT2;
  return Math.log(0.5 * erfcx(y)) - y * y;
}

export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

export function logNormPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

// Acklam's rational approximation of the normal quantile (relative error < 1.2e-9), refined below.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Φ⁻¹(p): the standard normal quantile; -Infinity at 0 and Infinity at 1. */
export function normQuantile(p: number): number {
  if (!(p > 0)) return p === 0 ? -Infinity : NaN;
  if (!(p < 1)) return p === 1 ? Infinity : NaN;
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) / (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  // One Halley step on Φ(x) - p brings it to full double precision.
  const e = (p < 0.5 ? normCdf(x) - p : -(normCdf(-x) - (1 - p)));
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/**
 * log h(z) with h(z) = φ(z) + z·Φ(z), so that EI = σ·h((best - μ)/σ) for minimisation.
 * Stable for very negative z, where h underflows long before its logarithm does
 * (the formulation of Ament et al., "Unexpected improvements to expected improvement", 2023).
 */
export function logH(z: number): number {
  if (z > -1) return Math.log(normPdf(z) + z * normCdf(z));
  if (z > -40) {
    // h(z) = φ(z)·(1 - |z|·√(π/2)·erfcx(|z|/√2)) for z < 0
    const a = -z;
    const r = a * Math.sqrt(Math.PI / 2) * erfcx(a / SQRT2);
    return logNormPdf(z) + log1mexp(Math.log(r));
  }
  // asymptotic series h(z) = φ(z)/z² · (1 - 3/z² + 15/z⁴ - 105/z⁶ + …), truncation error < 2e-10 here
  const w = 1 / (z * z);
  return logNormPdf(z) - 2 * Math.log(-z) + Math.log1p(w * (-3 + w * (15 - 105 * w)));
}

/** log(1 - exp(x)) for x < 0, accurate near 0 and far below. */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}
