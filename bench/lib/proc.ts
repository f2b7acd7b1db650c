// Another process's CPU time and resident memory read from /proc (Linux), so measuring them costs that process
// nothing; and the machine's load, which every figure of a shared machine should carry.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

/** /proc/<pid>/stat counts CPU time in clock ticks; Linux's USER_HZ is 100 on every common architecture. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) the process has used so far, in ms; NaN when /proc cannot tell. */
export function cpuMs(pid: number | undefined): number {
  try {
    // The command name may hold spaces and parentheses: the fields after it start past the last ") ".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return NaN;
  }
}

/** Resident memory of the process now (VmRSS), in bytes; NaN when /proc cannot tell. */
export function rssBytes(pid: number | undefined): number {
  try {
    const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? NaN : Number(kib) * 1024;
  } catch {
    return NaN;
  }
}

/** The 1-minute load average now, e.g. `2.31`. */
export const load1 = (): string => (loadavg()[0] ?? NaN).toFixed(2);

/** `load average 2.31 / 1.80 / 1.52 (1 / 5 / 15 min)`. */
export function loadLine(): string {
  const [one = NaN, five = NaN, fifteen = NaN] = loadavg();
  return `load average ${one.toFixed(2)} / ${five.toFixed(2)} / ${fifteen.toFixed(2)} (1 / 5 / 15 min)`;
}
