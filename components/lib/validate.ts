/**
 * Argument validation shared by the components: small pure checks that throw
 * an ArgumentError naming the component, the argument, the bad value and the fix.
 */
export class ArgumentError extends Error {
  constructor(
    readonly component: string,
    readonly argument: string,
    readonly value: unknown,
    readonly fix: string,
  ) {
    super(`${component}: argument "${argument}" is ${JSON.stringify(value)}; ${fix}`);
    this.name = "ArgumentError";
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function checkInt(component: string, argument: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(component, argument, value, `use an integer from ${min} to ${max}.`);
  }
  return value;
}

export function checkDnsLabel(component: string, argument: string, value: string): string {
  if (!DNS_LABEL.test(value)) {
    throw new ArgumentError(component, argument, value, "use a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters.");
  }
  return value;
}

export function checkDnsName(component: string, argument: string, value: string): string {
  if (value.length > 253 || !DNS_NAME.test(value)) {
    throw new ArgumentError(component, argument, value, "use a DNS name such as notes.example.com.");
  }
  return value;
}

/** Kubernetes label keys ([prefix/]name) and values. */
export function checkLabels(component: string, argument: string, labels: Record<string, string>): Record<string, string> {
  const name = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
  for (const [key, value] of Object.entries(labels)) {
    const parts = key.split("/");
    const ok = parts.length <= 2 && name.test(parts[parts.length - 1] ?? "") && (parts.length === 1 || /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(parts[0] ?? ""));
    if (!ok) throw new ArgumentError(component, `${argument} key`, key, "use a label key such as app.kubernetes.io/part-of (an optional DNS prefix, then a name of up to 63 characters).");
    if (value !== "" && !name.test(value)) throw new ArgumentError(component, `${argument}.${key}`, value, "use a label value of up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.");
  }
  return labels;
}

export function checkCpu(component: string, argument: string, value: string): string {
  if (!CPU.test(value)) throw new ArgumentError(component, argument, value, 'use a CPU quantity such as "100m" or "1".');
  return value;
}

export function checkMemory(component: string, argument: string, value: string): string {
  if (!MEMORY.test(value)) throw new ArgumentError(component, argument, value, 'use a quantity such as "256Mi" or "1Gi".');
  return value;
}

export function checkEnvName(component: string, argument: string, value: string): string {
  if (!ENV_NAME.test(value)) throw new ArgumentError(component, argument, value, "use an environment variable name of A-Z, 0-9 and '_'.");
  return value;
}

export function checkOneOf<T extends string>(component: string, argument: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new ArgumentError(component, argument, value, `use one of ${allowed.join(", ")}.`);
  return value;
}

/** CPU quantity in millicores. */
export function cpuMillis(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Memory quantity in bytes (binary suffixes only). */
export function memoryBytes(q: string): number {
  const m = MEMORY.exec(q) ? /^([0-9]+)(Ki|Mi|Gi|Ti)$/.exec(q) : null;
  if (!m) return NaN;
  const pow: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4 };
  return Number(m[1]) * 1024 ** (pow[m[2] ?? ""] ?? NaN);
}
