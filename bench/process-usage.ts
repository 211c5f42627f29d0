import { readFile, readdir } from 'node:fs/promises';

// How much CPU and memory the services and PostgreSQL use, read from /proc (Linux only). The service
// processes themselves are @platform/testing's startServiceProcesses.
const TICKS_PER_SECOND = 100;

/** A process's /proc/PID/stat fields after its command name (which may hold spaces). */
async function statOf(pid: number | string): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const ticksToMs = (...ticks: (string | undefined)[]) => (ticks.reduce((sum, t) => sum + Number(t), 0) * 1000) / TICKS_PER_SECOND;

/** CPU time a process has used, user and system, in ms (Linux only). */
export async function cpuMsOf(pid: number): Promise<number> {
  const fields = await statOf(pid);
  return ticksToMs(fields[11], fields[12]);
}

/**
 * CPU of the PostgreSQL cluster (the bench's is the only one running), in ms: every live
 * process's, plus what the postmaster has reaped of backends that have exited since (a pool
 * closes idle connections), which would otherwise vanish from the sum.
 */
export async function postgresCpuMs(): Promise<number> {
  const postgres = new Map<string, string[]>();
  for (const pid of await postgresPids()) {
    try {
      postgres.set(pid, await statOf(pid));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const fields of postgres.values()) {
    total += ticksToMs(fields[11], fields[12]);
    const isPostmaster = !postgres.has(fields[1]!);
    if (isPostmaster) total += ticksToMs(fields[13], fields[14]);
  }
  return total;
}

/** The resident memory of the largest PostgreSQL process (a backend at work), in MB. */
export async function largestPostgresRssMb(): Promise<number> {
  let largest = 0;
  for (const pid of await postgresPids()) largest = Math.max(largest, await rssMbOf(Number(pid)).catch(() => 0));
  return largest;
}

/** Every PostgreSQL process on the machine (the bench's cluster is the only one running). */
async function postgresPids(): Promise<string[]> {
  const pids: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, 'utf8')).trim() === 'postgres') pids.push(entry);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Resident memory of a process, in MB. */
export async function rssMbOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
