import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

/** One sample of the machine, under MLflow's system metric names (without the `system/` prefix). */
export type SystemSample = Record<string, number>;

const MB = 1024 * 1024;

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Bytes received and sent on every interface but loopback (Linux); undefined elsewhere. */
async function networkBytes(): Promise<{ rx: number; tx: number } | undefined> {
  try {
    const text = await readFile('/proc/net/dev', 'utf8');
    let rx = 0;
    let tx = 0;
    for (const line of text.split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name?.trim() === 'lo') continue;
      const fields = rest.trim().split(/\s+/).map(Number);
      rx += fields[0] ?? 0;
      tx += fields[8] ?? 0;
    }
    return { rx, tx };
  } catch {
    return undefined;
  }
}

/**
 * Samples CPU, memory, disk and network like MLflow's system metrics monitor: CPU use since the
 * previous sample, memory and disk now, network traffic since monitoring started.
 */
export class SystemSampler {
  private lastCpu = cpuTimes();
  private baseNet: Promise<{ rx: number; tx: number } | undefined> = networkBytes();

  constructor(private readonly diskPath = process.cwd()) {}

  async sample(): Promise<SystemSample> {
    const cpu = cpuTimes();
    const busy = cpu.total - this.lastCpu.total - (cpu.idle - this.lastCpu.idle);
    const span = cpu.total - this.lastCpu.total;
    this.lastCpu = cpu;
    const used = totalmem() - freemem();
    const out: SystemSample = {
      cpu_utilization_percentage: span > 0 ? (100 * busy) / span : 0,
      system_memory_usage_megabytes: used / MB,
      system_memory_usage_percentage: (100 * used) / totalmem(),
    };
    try {
      const fs = await statfs(this.diskPath);
      const total = fs.blocks * fs.bsize;
      const free = fs.bavail * fs.bsize;
      out.disk_usage_megabytes = (total - free) / MB;
      out.disk_available_megabytes = free / MB;
      out.disk_usage_percentage = total > 0 ? (100 * (total - free)) / total : 0;
    } catch {
      // No disk figures for a path that cannot be examined; the rest still counts.
    }
    const [base, now] = await Promise.all([this.baseNet, networkBytes()]);
    if (base && now) {
      out.network_receive_megabytes = (now.rx - base.rx) / MB;
      out.network_transmit_megabytes = (now.tx - base.tx) / MB;
    }
    return out;
  }
}
