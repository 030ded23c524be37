// CPU time and memory of processes, read from /proc (Linux only).
//
// CPU of a process tree = for every live process in it, utime + stime + cutime + cstime. A child
// that exits moves its time into its parent's cutime/cstime, so the sum stays continuous, and a
// delta over a window is the CPU the tree used in that window (PostgreSQL's backends included).
//
// A named entry is a pid (its whole tree) or { "self": [pid, ...] }: those processes alone, utime +
// stime, not their children, for processes whose children are counted under other names (under the
// AppHost, DCP is the parent of every service).
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

function readStat (pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return {
      ppid: Number(fields[1]),
      ownTicks: Number(fields[11]) + Number(fields[12]),
      ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    }
  } catch {
    return null // gone
  }
}

function allPids () {
  return readdirSync('/proc').filter(name => /^\d+$/.test(name)).map(Number)
}

/** The pid and all its live descendants. */
export function processTree (rootPid) {
  const children = new Map()
  for (const pid of allPids()) {
    const stat = readStat(pid)
    if (!stat) continue
    if (!children.has(stat.ppid)) children.set(stat.ppid, [])
    children.get(stat.ppid).push(pid)
  }
  const tree = []
  const queue = [rootPid]
  while (queue.length > 0) {
    const pid = queue.shift()
    tree.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return tree
}

/** CPU seconds used so far by each named entry ({ name: pid or { self: [pid, ...] } }); null for a gone one. */
export function cpuSeconds (pids) {
  const result = {}
  for (const [name, entry] of Object.entries(pids)) {
    if (typeof entry === 'object') {
      const stats = entry.self.map(readStat).filter(Boolean)
      result[name] = stats.length === 0 ? null : stats.reduce((sum, stat) => sum + stat.ownTicks, 0) / clockTicks
      continue
    }
    if (!readStat(entry)) {
      result[name] = null
      continue
    }
    let ticks = 0
    for (const member of processTree(entry)) ticks += readStat(member)?.ticks ?? 0
    result[name] = ticks / clockTicks
  }
  return result
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineCpuSeconds () {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values
  const busy = user + nice + system + irq + softirq + steal
  return { busy: busy / clockTicks, total: (busy + idle + iowait) / clockTicks }
}

function statusKiB (pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}

function pssKiB (pid) {
  try {
    const match = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m)
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}

/**
 * Memory of each named process tree, in MiB: rss of the root process, and the proportional set
 * size summed over the tree (for PostgreSQL, whose backends share their buffers, that is the
 * meaningful figure).
 */
export function memoryMiB (pids) {
  const result = {}
  for (const [name, entry] of Object.entries(pids)) {
    // For { self: [...] }: the sums over those processes.
    const roots = typeof entry === 'object' ? entry.self : [entry]
    const live = roots.filter(pid => statusKiB(pid, 'VmRSS') !== null)
    if (live.length === 0) {
      result[name] = null
      continue
    }
    const rss = live.reduce((sum, pid) => sum + (statusKiB(pid, 'VmRSS') ?? 0), 0)
    const members = typeof entry === 'object' ? live : processTree(entry)
    const pss = members.reduce((sum, member) => sum + (pssKiB(member) ?? 0), 0)
    result[name] = { rssMiB: round(rss / 1024, 1), treePssMiB: round(pss / 1024, 1), processes: members.length }
  }
  return result
}

export function loadAverage () {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
}

export function round (value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return null
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
