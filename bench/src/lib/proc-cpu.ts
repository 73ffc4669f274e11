// CPU of processes and of the whole machine, from Linux's /proc (a process tree and its memory: testkit): what a benchmark needs to
// say where the cores went (the service, the broker, the S3 server, or nothing left idle).
import { readFileSync } from 'node:fs';
import { processTree } from '@spotify-pipeline/testkit';

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a /proc/<pid>/stat line, in seconds (fields 14 and 15; the name in parentheses may hold spaces). */
export function statCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds (user + system, every thread) a process and its descendants have used so far; 0 for none. */
export function treeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += statCpuSeconds(readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      // Exited.
    }
  }
  return total;
}

/** The machine's CPU counters (every core), in ticks: all time, and the idle part of it (idle + iowait). */
export interface MachineCpu {
  total: number;
  idle: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu  user nice system idle iowait irq softirq steal ...
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  return { total: ticks.reduce((a, b) => a + b, 0), idle: ticks[3]! + ticks[4]! };
}

/** The share of all cores that was busy between two readings (0..1): near 1 means nothing was left to use. */
export function machineBusyShare(before: MachineCpu, after: MachineCpu = machineCpu()): number {
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : 0;
}
