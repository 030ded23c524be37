// Adds the password-hash cost, database facts and the telemetry mode to the driver's JSON, judges the
// issue's targets against the last round, and writes the Markdown report. With --telemetry-run, other
// runs' results (other telemetry modes, bench/run.sh --telemetry all) are shown beside this one's, and
// issue 15's targets are judged at the production sampling.
//
//   node driver/report.mjs --results results.json --md results.md [--hash hash.json] [--facts facts.json]
//        [--telemetry telemetry.json] [--telemetry-run other/results.json ...]
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    results: { type: 'string' },
    md: { type: 'string' },
    hash: { type: 'string' },
    facts: { type: 'string' },
    propagation: { type: 'string' },
    telemetry: { type: 'string' },
    'telemetry-run': { type: 'string', multiple: true, default: [] },
    chart: { type: 'string', default: 'chart.svg' }
  }
})

const readJson = path => (path && existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null)
const results = readJson(args.results)
results.passwordHashing = readJson(args.hash) ?? results.passwordHashing ?? null
results.databaseFacts = readJson(args.facts) ?? results.databaseFacts ?? null
results.propagation = readJson(args.propagation) ?? results.propagation ?? null
results.telemetry = readJson(args.telemetry) ?? results.telemetry ?? null

// Better Auth 1.7.25 on this machine kind (issue 6): one autocannon process, 32 keep-alive
// connections, 3 s warm-up, 15 s measured.
const peer = {
  'anonymous-sign-in': { rate: [330, 365], p99: [140, 170] },
  'get-session': { rate: [810, 910], p99: [70, 70] },
  'link-flow': { rate: [11, 14] }
}

// Growth of a service's resident memory from one round to the next still counted as noise.
const memoryNoise = { fraction: 0.10, mib: 25 }

const last = results.rounds.at(-1)
const byName = Object.fromEntries(last.scenarios.map(s => [s.name, s]))
const ceilingRate = byName.ceiling?.rate

function judge (measured, strict, lenient, higherIsBetter) {
  if (measured === null || measured === undefined || strict === null || strict === undefined) return 'not measured'
  const passes = bound => (higherIsBetter ? measured >= bound : measured <= bound)
  if (passes(strict)) return 'met'
  if (passes(lenient)) return "met against the peer's weaker figure only"
  return 'NOT met'
}

const fmt = (value, digits = 0) => (value === null || value === undefined
  ? '–'
  : Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }))
const range = ([a, b], digits = 0) => (a === b ? fmt(a, digits) : `${fmt(a, digits)}–${fmt(b, digits)}`)

const targets = []
function target (name, peerText, requiredText, measured, measuredText, strict, lenient, higherIsBetter = true) {
  targets.push({ name, peer: peerText, required: requiredText, measured, measuredText, status: judge(measured, strict, lenient, higherIsBetter) })
}

{
  const s = byName['anonymous-sign-in']
  const p = peer['anonymous-sign-in']
  target('Anonymous sign-in throughput', `${range(p.rate)} req/s`, `≥ 5× peer: ≥ ${fmt(5 * p.rate[1])} (≥ ${fmt(5 * p.rate[0])} vs. its low figure)`,
    s?.rate, `${fmt(s?.rate)} req/s`, 5 * p.rate[1], 5 * p.rate[0])
  target('Anonymous sign-in p99', `${range(p.p99)} ms`, `≤ peer / 5: ≤ ${fmt(p.p99[0] / 5)} ms (≤ ${fmt(p.p99[1] / 5)} vs. its high figure)`,
    s?.latencyMs.p99, `${fmt(s?.latencyMs.p99, 1)} ms`, p.p99[0] / 5, p.p99[1] / 5, false)
}
{
  const s = byName['get-session']
  const p = peer['get-session']
  target('get-session throughput vs. peer', `${range(p.rate)} req/s, p99 ≈ ${p.p99[0]} ms`, `≥ 10× peer: ≥ ${fmt(10 * p.rate[1])} (≥ ${fmt(10 * p.rate[0])} vs. its low figure)`,
    s?.rate, `${fmt(s?.rate)} req/s (p99 ${fmt(s?.latencyMs.p99, 1)} ms)`, 10 * p.rate[1], 10 * p.rate[0])
  target('get-session throughput vs. ceiling', `ceiling ${fmt(ceilingRate)} req/s (this run)`, `≥ 50% of ceiling: ≥ ${fmt(ceilingRate / 2)}`,
    s && ceilingRate ? s.rate / ceilingRate : null, s && ceilingRate ? `${fmt(100 * s.rate / ceilingRate, 1)}% of ceiling` : '–', 0.5, 0.5)
}
{
  const s = byName['cart-read']
  target('Cart read throughput vs. ceiling', `ceiling ${fmt(ceilingRate)} req/s (this run)`, `≥ 50% of ceiling: ≥ ${fmt(ceilingRate / 2)}`,
    s && ceilingRate ? s.rate / ceilingRate : null, s && ceilingRate ? `${fmt(s.rate)} req/s = ${fmt(100 * s.rate / ceilingRate, 1)}% of ceiling` : '–', 0.5, 0.5)
}
{
  const s = byName['link-flow']
  const p = peer['link-flow']
  const hash = results.passwordHashing
  const hashText = hash ? ` with Argon2id m=${hash.memoryKiB} KiB, t=${hash.iterations}, p=${hash.parallelism}` : ''
  target('Link flow throughput', `${range(p.rate)} flows/s`, `≥ 2× peer: ≥ ${fmt(2 * p.rate[1])} (≥ ${fmt(2 * p.rate[0])} vs. its low figure)${hashText}`,
    s?.rate, `${fmt(s?.rate, 1)} flows/s`, 2 * p.rate[1], 2 * p.rate[0])
}
{
  const idle = byName['link-merge-idle']
  const loaded = byName['link-merge-under-load']
  target('Link → merged cart p99, idle', '–', '≤ 100 ms', idle?.mergeLatencyMs.p99, `${fmt(idle?.mergeLatencyMs.p99, 1)} ms (${idle?.samples ?? 0} samples)`, 100, 100, false)
  target('Link → merged cart p99, under link-flow load', '–', '≤ 1,000 ms', loaded?.mergeLatencyMs.p99,
    `${fmt(loaded?.mergeLatencyMs.p99, 1)} ms (${loaded?.samples ?? 0} samples)`, 1000, 1000, false)
}

// Memory: each service's resident set after each round; growth between the last two rounds.
const services = ['auth-api', 'cart-api']
const memoryRows = []
if (results.rounds.length >= 2) {
  const [a, b] = results.rounds.slice(-2).map(r => r.memoryAfter)
  for (const name of services) {
    if (!a?.[name] || !b?.[name]) continue
    const growth = b[name].rssMiB - a[name].rssMiB
    const allowed = Math.max(memoryNoise.mib, memoryNoise.fraction * a[name].rssMiB)
    memoryRows.push({ name, growth, allowed })
  }
  if (memoryRows.length > 0) {
    const worst = memoryRows.reduce((w, r) => (r.growth - r.allowed > w.growth - w.allowed ? r : w))
    targets.push({
      name: 'Service memory: no growth across two consecutive rounds',
      peer: '–',
      required: `RSS growth ≤ max(${memoryNoise.mib} MiB, ${memoryNoise.fraction * 100}%) per service`,
      measured: worst.growth,
      measuredText: memoryRows.map(r => `${r.name} ${r.growth >= 0 ? '+' : ''}${fmt(r.growth, 1)} MiB`).join(', '),
      status: memoryRows.every(r => r.growth <= r.allowed) ? 'met' : 'NOT met'
    })
  }
}
results.targets = targets

// Telemetry modes (issue 15): this run and the others given, each scenario's last round side by side;
// the throughput targets judged where the services export at the production sampling.
const telemetryRuns = [results, ...args['telemetry-run'].map(readJson).filter(Boolean)]
  .map(run => ({ run, telemetry: run.telemetry ?? { mode: 'unknown', label: 'unknown' }, byName: Object.fromEntries(run.rounds.at(-1).scenarios.map(s => [s.name, s])) }))
const production = telemetryRuns.find(r => r.telemetry.mode === 'export')
const peerRatio = (s, name) => (s?.rate ? s.rate / peer[name].rate[1] : null)
const telemetryTargets = []
for (const [name, factor, title] of [['anonymous-sign-in', 5, 'Anonymous sign-in'], ['get-session', 10, 'get-session']]) {
  const s = production?.byName[name]
  const p = peer[name]
  telemetryTargets.push({
    name: `${title} throughput, exporting at the production sampling`,
    peer: `${range(p.rate)} req/s`,
    required: `≥ ${factor}× peer: ≥ ${fmt(factor * p.rate[1])} (≥ ${fmt(factor * p.rate[0])} vs. its low figure)`,
    measured: s?.rate,
    measuredText: s ? `${fmt(s.rate)} req/s (${fmt(peerRatio(s, name), 1)}×)` : '–',
    status: judge(s?.rate, factor * p.rate[1], factor * p.rate[0], true)
  })
}
if (telemetryRuns.length > 1 || (results.telemetry && results.telemetry.mode !== 'no-export')) {
  results.telemetryTargets = telemetryTargets
  results.telemetryRuns = telemetryRuns.slice(1).map(r => ({ startedAt: r.run.startedAt, telemetry: r.telemetry }))
}
writeFileSync(args.results, JSON.stringify(results, null, 2) + '\n')

// ---------------------------------------------------------------------------------------------
// Markdown

const lines = []
const out = line => lines.push(line)
const cpuNames = Object.keys(last.scenarios.find(s => s.cpu)?.cpu.cores ?? {})
const m = results.machine
out(`# AspireAuth benchmark — ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC (${results.settings.mode})`)
out('')
out(`Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB; load average before ${m.loadAverageBefore.join(' / ')}, after ${m.loadAverageAfter.join(' / ')}. ` +
  `Node ${m.node}, autocannon ${m.autocannon}: one process, ${results.settings.connections} keep-alive connections, ` +
  (results.settings.smokeRequests
    ? `smoke: ${results.settings.smokeRequests} requests (link flow: flows) per scenario, speed not judged; `
    : `${results.settings.warmupSeconds} s warm-up, ${results.settings.durationSeconds} s measured per scenario; `) +
  `${results.settings.rounds} round(s) of every scenario against the same stack; figures from round ${last.round}` +
  (results.settings.rounds > 1 ? ' (round 1 also warms the JIT: tiered compilation and dynamic PGO take tens of seconds of load on 2 cores; every round is listed at the end).' : '.') +
  (results.note ? ` Note: ${results.note}` : ''))
out('')
out(`![throughput and p99 per scenario](${args.chart})`)
out('')
out(`## Figures (round ${last.round})`)
out('')
out('CPU in cores (CPU seconds per second of the measured window; the machine has ' + m.cores + '). ' +
  '"everything else" is the machine\'s busy time not spent by the processes listed: other work on the machine, and the kernel\'s share not charged to a process.')
out('')
out(`| scenario | throughput | p50 ms | p90 ms | p99 ms | max ms | errors | ${cpuNames.map(n => `CPU ${n}`).join(' | ')} |`)
out(`|---|---:|---:|---:|---:|---:|---:|${cpuNames.map(() => '---:').join('|')}|`)
for (const s of last.scenarios) {
  if (s.mergeLatencyMs) continue
  const l = s.latencyMs
  out(`| ${s.title} | ${fmt(s.rate, s.unit === 'flows/s' ? 1 : 0)} ${s.unit} | ${fmt(l.p50, 2)} | ${fmt(l.p90, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.max, 1)} | ${s.errors.total} | ` +
    `${cpuNames.map(n => fmt(s.cpu.cores[n], 2)).join(' | ')} |`)
}
const flow = byName['link-flow']
if (flow) {
  out('')
  out(`Link flow latencies are per flow (anonymous sign-in sent → sign-up answered); per request: p50 ${fmt(flow.requestLatencyMs.p50, 1)} ms, ` +
    `p99 ${fmt(flow.requestLatencyMs.p99, 1)} ms, ${fmt(flow.requestRate, 1)} req/s.`)
}
out('')
out('## Targets (issue 6)')
out('')
out('| target | peer: Better Auth 1.7.25 | required | measured | status |')
out('|---|---|---|---|---|')
for (const t of targets) out(`| ${t.name} | ${t.peer} | ${t.required} | ${t.measuredText} | **${t.status}** |`)
if (results.telemetryTargets) {
  out('')
  out('## Telemetry modes (issue 15)')
  out('')
  out('The same scenarios with the services\' telemetry handled differently; each row is the last round of its own run (its own stack, warmed the same way), so the ceiling row shows how fast the machine was in each. ' +
    '× peer: throughput over Better Auth 1.7.25\'s higher figure. CPU in cores; "dcp + proxies" is DCP\'s API server, its controllers (which run the endpoint proxies every request of the dev loop passes through) and its process monitors.')
  out('')
  for (const { run, telemetry } of telemetryRuns) {
    const held = telemetry.tracesHeldAfterRun
    out(`- **${telemetry.label}** (${run.startedAt.slice(0, 16).replace('T', ' ')} UTC): ${telemetry.description ?? ''}` +
      (held === undefined ? '' : `; the receiver held ${fmt(held)} traces after the run (it keeps at most 10,000)`) + '.')
  }
  const telemetryCpuNames = [...new Set(telemetryRuns.flatMap(({ run }) =>
    run.rounds.at(-1).scenarios.filter(s => s.cpu).flatMap(s => Object.keys(s.cpu.cores))))]
  // The ceiling's own process, then "everything else", last.
  for (const name of ['ceiling', 'everything else']) {
    if (telemetryCpuNames.includes(name)) telemetryCpuNames.push(...telemetryCpuNames.splice(telemetryCpuNames.indexOf(name), 1))
  }
  out('')
  out(`| scenario | telemetry | throughput | × peer | p50 ms | p99 ms | errors | ${telemetryCpuNames.map(n => `CPU ${n}`).join(' | ')} |`)
  out(`|---|---|---:|---:|---:|---:|---:|${telemetryCpuNames.map(() => '---:').join('|')}|`)
  for (const scenario of last.scenarios.filter(s => !s.mergeLatencyMs)) {
    for (const { telemetry, byName: runScenarios } of telemetryRuns) {
      const s = runScenarios[scenario.name]
      if (!s) continue
      const ratio = peer[s.name] ? `${fmt(s.rate / peer[s.name].rate[1], 1)}×` : ''
      out(`| ${s.title} | ${telemetry.label} | ${fmt(s.rate, s.unit === 'flows/s' ? 1 : 0)} ${s.unit} | ${ratio} | ${fmt(s.latencyMs.p50, 2)} | ${fmt(s.latencyMs.p99, 2)} | ${s.errors.total} | ` +
        `${telemetryCpuNames.map(n => fmt(s.cpu.cores[n], 2)).join(' | ')} |`)
    }
  }
  out('')
  out('| target (issue 15) | peer: Better Auth 1.7.25 | required | measured | status |')
  out('|---|---|---|---|---|')
  for (const t of results.telemetryTargets) out(`| ${t.name} | ${t.peer} | ${t.required} | ${t.measuredText} | **${t.status}** |`)
}
out('')
out('## Link → merged cart')
out('')
out('Time from the sign-up response (which links the guest) to the first `GET /api/cart` with the new session that shows the guest\'s products. ' +
  `Polled every ${results.settings.probePollMs} ms, so a figure over-states by at most one poll interval plus one cart read.`)
out('')
out('| phase | samples | p50 ms | p90 ms | p99 ms | max ms | sign-up p50 / p99 ms | link-flow load | errors |')
out('|---|---:|---:|---:|---:|---:|---:|---|---:|')
for (const s of last.scenarios.filter(x => x.mergeLatencyMs)) {
  const l = s.mergeLatencyMs
  const load = s.load ? `${fmt(s.load.flowsPerSecond, 1)} flows/s, ${s.load.connections} connections` : 'none'
  out(`| ${s.title} | ${s.samples} | ${fmt(l.p50, 1)} | ${fmt(l.p90, 1)} | ${fmt(l.p99, 1)} | ${fmt(l.max, 1)} | ` +
    `${fmt(s.signUpLatencyMs.p50, 1)} / ${fmt(s.signUpLatencyMs.p99, 1)} | ${load} | ${s.errors.total} |`)
}
const propagation = results.propagation
if (propagation?.events) {
  out('')
  out(`Where the time goes, from the databases' own timestamps for all ${fmt(propagation.events)} link events of the run (every round, load and probes alike):`)
  out('')
  out('| stage | p50 ms | p90 ms | p99 ms | max ms |')
  out('|---|---:|---:|---:|---:|')
  const row = (name, h) => out(`| ${name} | ${fmt(h.p50, 1)} | ${fmt(h.p90, 1)} | ${fmt(h.p99, 1)} | ${fmt(h.max, 1)} |`)
  row('link starts → event published to the stream (outbox `occurred_at` → `published_at`: the rest of the link transaction, NOTIFY, relay, XADD)', propagation.relayMs)
  row('published → Cart.Api handler starts (`published_at` → inbox `processed_at`)', propagation.consumerMs)
  row('total, before the merge itself commits', propagation.occurredToHandledMs)
}
const hash = results.passwordHashing
if (hash) {
  out('')
  out('## Password hashing')
  out('')
  out(`${hash.algorithm} via ${hash.library}, m=${hash.memoryKiB} KiB (${fmt(hash.memoryKiB / 1024, 0)} MiB), t=${hash.iterations}, p=${hash.parallelism}` +
    (hash.storedParameters ? ` — read from a hash Auth.Api stored in this run: \`${hash.storedParameters}\`.` : '.') +
    ` One hash on one thread, on the idle stack after the load: median ${fmt(hash.hashMs.median, 1)} ms (min ${fmt(hash.hashMs.min, 1)}, max ${fmt(hash.hashMs.max, 1)}, ${hash.samples} samples); ` +
    `one verification: median ${fmt(hash.verifyMs.median, 1)} ms. A sign-up hashes once.`)
}
out('')
out('## Memory after each round')
out('')
const memoryNames = Object.keys(results.rounds[0].memoryAfter ?? {})
out(`| process | ${results.rounds.map(r => `after round ${r.round}: RSS MiB`).join(' | ')} | ${results.rounds.map(r => `round ${r.round}: PSS of the process tree MiB`).join(' | ')} |`)
out(`|---|${results.rounds.map(() => '---:').join('|')}|${results.rounds.map(() => '---:').join('|')}|`)
for (const name of memoryNames) {
  out(`| ${name} | ${results.rounds.map(r => fmt(r.memoryAfter[name]?.rssMiB, 1)).join(' | ')} | ${results.rounds.map(r => fmt(r.memoryAfter[name]?.treePssMiB, 1)).join(' | ')} |`)
}
if (results.rounds.length > 1) {
  out('')
  out('## Every round')
  out('')
  out(`| scenario | ${results.rounds.map(r => `round ${r.round}`).join(' | ')} |`)
  out(`|---|${results.rounds.map(() => '---:').join('|')}|`)
  for (const s of results.rounds[0].scenarios) {
    const cells = results.rounds.map(r => {
      const x = r.scenarios.find(y => y.name === s.name)
      if (!x) return '–'
      return x.mergeLatencyMs ? `p99 ${fmt(x.mergeLatencyMs.p99, 1)} ms` : `${fmt(x.rate, x.unit === 'flows/s' ? 1 : 0)} ${x.unit}, p99 ${fmt(x.latencyMs.p99, 1)} ms`
    })
    out(`| ${s.name} | ${cells.join(' | ')} |`)
  }
}
if (results.databaseFacts) {
  out('')
  out('## Database after the run')
  out('')
  out(Object.entries(results.databaseFacts).map(([k, v]) => `${k}: ${v}`).join('; ') + '.')
}
writeFileSync(args.md, lines.join('\n') + '\n')
