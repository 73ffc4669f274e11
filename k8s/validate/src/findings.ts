/**
 * One problem found by a check, named by the file (and, where it helps, the object) it is in, so a
 * failing CI line points at what to fix.
 */
export interface Finding {
  check: string;
  file: string;
  message: string;
}

/** The outcome of one check: how much it looked at, and what it found wrong. */
export interface CheckResult {
  check: string;
  /** e.g. "21 manifests" or "4 Dockerfiles", printed so a check that looked at nothing is visible. */
  covered: string;
  findings: Finding[];
}

export function finding(check: string, file: string, message: string): Finding {
  return { check, file, message };
}
