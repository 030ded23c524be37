// The benchmark driver: runs every scenario with autocannon (one process, keep-alive
// connections), samples CPU and memory of each process from /proc, measures link → cart-merge
// latency, and writes one JSON file. bench/run.sh starts the stack and calls this.
//
//   node driver/bench.mjs --auth URL --cart URL --ceiling URL --out results.json
//        [--pids '{"auth-api":1,...}'] [--smoke] [--connections 32] [--warmup 3] [--duration 15]
//        [--rounds 3] [--probe-samples 100] [--probe-seconds 20] [--probe-workers 4]
//        [--only name,name] [--hook 'command run during each measured window']
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { cpuSeconds, loadAverage, machineCpuSeconds, memoryMiB, round } from './proc.mjs'
import { Histogram } from './stats.mjs'

const { values: args } = parseArgs({
  options: {
    auth: { type: 'string' },
    cart: { type: 'string' },
    ceiling: { type: 'string' },
    out: { type: 'string' },
    pids: { type: 'string', default: '{}' },
    smoke: { type: 'boolean', default: false },
    connections: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    'probe-samples': { type: 'string' },
    'probe-seconds': { type: 'string' },
    'probe-workers': { type: 'string' },
    only: { type: 'string' },
    // A command run (sh -c) at the start of every measured window of the last round (the warm
    // one), e.g. a profiler; it gets BENCH_SCENARIO and BENCH_SECONDS and is waited for after
    // the window.
    hook: { type: 'string' },
    note: { type: 'string', default: '' }
  }
})
for (const required of ['auth', 'cart', 'ceiling', 'out']) {
  if (!args[required]) throw new Error(`--${required} is required`)
}

const smoke = args.smoke
const numberArg = (name, full, quick) => Number(args[name] ?? (smoke ? quick : full))
const settings = {
  mode: smoke ? 'smoke' : 'full',
  connections: numberArg('connections', 32, 4),
  warmupSeconds: numberArg('warmup', 3, 0),
  durationSeconds: numberArg('duration', 15, 1),
  rounds: numberArg('rounds', 3, 1),
  probeSamples: numberArg('probe-samples', 100, 3),
  probeSeconds: numberArg('probe-seconds', 20, 1),
  probeWorkers: numberArg('probe-workers', 4, 1),
  // Smoke mode measures a fixed number of requests per scenario (not a time window), so a slow,
  // cold or busy machine still completes every scenario; speed is not judged there.
  smokeRequests: smoke ? numberArg('connections', 32, 4) * 5 : null,
  probePollMs: 2,
  probeTimeoutMs: 10_000,
  requestTimeoutSeconds: 10
}
const only = args.only ? new Set(args.only.split(',')) : null
const auth = args.auth.replace(/\/$/, '')
const cart = args.cart.replace(/\/$/, '')
const ceiling = args.ceiling.replace(/\/$/, '')
const servicePids = JSON.parse(args.pids)
const pids = { 'load generator': process.pid, ...servicePids }

// Unique e-mail addresses across runs against the same database.
const runId = randomBytes(4).toString('hex')
let emailCounter = 0
const nextEmail = () => `bench-${runId}-${++emailCounter}@example.com`
const password = 'correct horse battery staple'

const json = { 'content-type': 'application/json' }
// A browser sends its origin with every POST; Auth.Api trusts its own origin.
const postHeaders = { ...json, origin: auth }

// ---------------------------------------------------------------------------------------------
// HTTP helpers for set-up and for the probe (Node's fetch, keep-alive).

function sessionCookie (setCookieHeaders) {
  const list = Array.isArray(setCookieHeaders) ? setCookieHeaders : [setCookieHeaders]
  const cookie = list.find(value => /^(__Secure-)?better-auth\.session_token=./.test(value ?? ''))
  return cookie ? cookie.split(';')[0] : null
}

function headerValue (headers, name) {
  const key = Object.keys(headers).find(k => k.toLowerCase() === name)
  return key ? headers[key] : undefined
}

async function expectOk (response, what) {
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 200)}`)
  return text ? JSON.parse(text) : null
}

async function signInAnonymously () {
  const response = await fetch(`${auth}/api/auth/sign-in/anonymous`, { method: 'POST', headers: postHeaders, body: '{}' })
  const cookie = sessionCookie(response.headers.getSetCookie())
  const body = await expectOk(response, 'anonymous sign-in')
  if (!cookie) throw new Error('anonymous sign-in set no session cookie')
  return { cookie, token: body.token, userId: body.user.id }
}

async function addToCart (cookie, productId, quantity = 1) {
  const response = await fetch(`${cart}/api/cart/items`, {
    method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ productId, quantity })
  })
  return expectOk(response, 'add to cart')
}

// ---------------------------------------------------------------------------------------------
// Scenarios. Each returns autocannon options (everything but connections and duration), and
// optionally `flows` (completed multi-request flows, counted and timed by the scenario).

// The read scenarios, judged against the ceiling, run right after it, so that the VM's drift between
// the two is smallest (and before the sign-in load, whose Redis growth sets off AOF rewrites).
const scenarioDefinitions = [
  {
    name: 'ceiling',
    title: 'Ceiling: bare Kestrel, constant JSON',
    unit: 'req/s',
    setup: async () => ({ url: `${ceiling}/`, verifyBody: body => body === '{"ok":true}' })
  },
  {
    name: 'get-session',
    title: 'GET /api/auth/get-session (one valid cookie)',
    unit: 'req/s',
    setup: async () => {
      const session = await signInAnonymously()
      return {
        url: `${auth}/api/auth/get-session`,
        headers: { cookie: session.cookie },
        verifyBody: body => body.startsWith('{"session":')
      }
    }
  },
  {
    name: 'cart-read',
    title: 'GET /api/cart (session cookie, 3 lines)',
    unit: 'req/s',
    setup: async () => {
      const session = await signInAnonymously()
      for (const productId of [1, 4, 7]) await addToCart(session.cookie, productId, productId)
      return {
        url: `${cart}/api/cart`,
        headers: { cookie: session.cookie },
        verifyBody: body => body.includes('"itemCount":12')
      }
    }
  },
  {
    name: 'anonymous-sign-in',
    title: 'POST /api/auth/sign-in/anonymous (new user + session each)',
    unit: 'req/s',
    setup: async () => ({
      url: `${auth}/api/auth/sign-in/anonymous`,
      method: 'POST',
      headers: postHeaders,
      body: '{}',
      verifyBody: body => body.startsWith('{"token":')
    })
  },
  {
    name: 'link-flow',
    title: 'Anonymous sign-in → sign-up/email (links the guest)',
    unit: 'flows/s',
    setup: async () => linkFlowOptions()
  }
]

/**
 * Anonymous sign-in, then sign-up with that session's cookie (which links the guest): one flow
 * per cycle of each connection. `flows` counts completed flows and times them end to end.
 */
function linkFlowOptions () {
  const flows = { completed: 0, failed: 0, latency: new Histogram() }
  return {
    flows,
    url: auth,
    requests: [
      {
        method: 'POST',
        path: '/api/auth/sign-in/anonymous',
        headers: postHeaders,
        body: '{}',
        setupRequest: (request, context) => {
          context.started = performance.now()
          return request
        },
        onResponse: (status, body, context, headers) => {
          context.cookie = status === 200 ? sessionCookie(headerValue(headers, 'set-cookie')) : null
        }
      },
      {
        method: 'POST',
        path: '/api/auth/sign-up/email',
        setupRequest: (request, context) => ({
          ...request,
          headers: context.cookie ? { ...postHeaders, cookie: context.cookie } : postHeaders,
          body: JSON.stringify({ name: 'Bench Shopper', email: nextEmail(), password })
        }),
        onResponse: (status, body, context) => {
          if (status === 200 && context.cookie) {
            flows.completed++
            flows.latency.record(performance.now() - context.started)
          } else {
            flows.failed++
          }
        }
      }
    ]
  }
}

function runAutocannon (options, onResponse) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      timeout: settings.requestTimeoutSeconds,
      ...options
    }, (error, result) => (error ? reject(error) : resolve(result)))
    if (onResponse) instance.on('response', onResponse)
  })
}

function startHook (scenario) {
  if (!args.hook) return Promise.resolve()
  const child = spawn('sh', ['-c', args.hook], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BENCH_SCENARIO: scenario, BENCH_SECONDS: String(Math.ceil(settings.durationSeconds)) }
  })
  return new Promise(resolve => child.on('exit', code => {
    if (code !== 0) log(`  hook for ${scenario} exited with ${code}`)
    resolve()
  }))
}

function cpuSnapshot () {
  return { at: performance.now(), processes: cpuSeconds(pids), machine: machineCpuSeconds() }
}

/** CPU used between two snapshots, in cores (CPU seconds per wall second), per process tree. */
function cpuUsed (before, after) {
  const seconds = (after.at - before.at) / 1000
  const cores = {}
  let ours = 0
  for (const name of Object.keys(pids)) {
    const used = after.processes[name] !== null && before.processes[name] !== null
      ? after.processes[name] - before.processes[name]
      : null
    cores[name] = used === null ? null : round(used / seconds, 3)
    ours += used ?? 0
  }
  const busy = after.machine.busy - before.machine.busy
  cores['everything else'] = round(Math.max(0, busy - ours) / seconds, 3)
  return { cores, machineBusyCores: round(busy / seconds, 3), machineCores: cpus().length }
}

async function measure (definition, roundNumber) {
  const { flows, ...options } = await definition.setup()
  const base = { ...options, connections: settings.connections }
  if (settings.warmupSeconds > 0) {
    await runAutocannon({ ...base, duration: settings.warmupSeconds })
  }
  if (flows) Object.assign(flows, { completed: 0, failed: 0, latency: new Histogram() })

  const latency = new Histogram()
  const hook = roundNumber === settings.rounds ? startHook(definition.name) : Promise.resolve()
  const before = cpuSnapshot()
  const window = settings.smokeRequests
    ? { amount: settings.smokeRequests * (flows ? 2 : 1) }
    : { duration: settings.durationSeconds }
  const result = await runAutocannon({ ...base, ...window },
    (client, statusCode, bytes, responseTime) => latency.record(responseTime))
  const after = cpuSnapshot()
  await hook
  const seconds = (after.at - before.at) / 1000

  const errors = {
    connection: result.errors - result.timeouts,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    bodyMismatches: result.mismatches,
    flowsFailed: flows?.failed ?? 0
  }
  errors.total = errors.connection + errors.timeouts + errors.non2xx + errors.bodyMismatches + errors.flowsFailed
  const completed = flows ? flows.completed : result['2xx']
  return {
    name: definition.name,
    title: definition.title,
    unit: definition.unit,
    connections: settings.connections,
    seconds: round(seconds, 2),
    requests: result.requests.total,
    completed,
    rate: round(completed / seconds, 1),
    requestRate: round(result.requests.total / seconds, 1),
    // For a flow: from its first request sent to its last response received.
    latencyMs: flows ? flows.latency.summary() : latency.summary(),
    requestLatencyMs: latency.summary(),
    errors,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    cpu: cpuUsed(before, after)
  }
}

// ---------------------------------------------------------------------------------------------
// The link-propagation probe: a guest fills a cart, signs up (which links the guest), and we poll
// the new user's cart until the guest's products are there. Latency = sign-up response received
// → first poll that sees the merged cart (so it over-states by at most one poll interval + one
// cart read).

async function probeOnce (index) {
  const guest = await signInAnonymously()
  const products = [1 + (index % 12), 1 + ((index + 5) % 12)]
  for (const productId of products) await addToCart(guest.cookie, productId)

  const started = performance.now()
  const response = await fetch(`${auth}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { ...postHeaders, cookie: guest.cookie },
    body: JSON.stringify({ name: 'Probe Shopper', email: nextEmail(), password })
  })
  const user = await expectOk(response, 'sign-up')
  const answered = performance.now()

  let polls = 0
  for (;;) {
    polls++
    const cartResponse = await fetch(`${cart}/api/cart`, { headers: { authorization: `Bearer ${user.token}` } })
    const merged = await expectOk(cartResponse, 'cart read')
    if (products.every(id => merged.lines.some(line => line.productId === id))) break
    if (performance.now() - answered > settings.probeTimeoutMs) {
      throw new Error(`the guest's cart was not merged within ${settings.probeTimeoutMs} ms`)
    }
    await sleep(settings.probePollMs)
  }
  return { signUpMs: answered - started, mergeMs: performance.now() - answered, polls }
}

async function probeLoop (shouldStop, startIndex, step, sink) {
  for (let i = startIndex; !shouldStop(); i += step) {
    try {
      sink.samples.push(await probeOnce(i))
    } catch (error) {
      sink.errors.push(String(error.message ?? error))
      if (sink.errors.length > 20) return
    }
  }
}

function probeSummary (name, title, sink, extra = {}) {
  const merge = new Histogram()
  const signUp = new Histogram()
  for (const sample of sink.samples) {
    merge.record(sample.mergeMs)
    signUp.record(sample.signUpMs)
  }
  return {
    name,
    title,
    unit: 'ms',
    samples: sink.samples.length,
    mergeLatencyMs: merge.summary(),
    signUpLatencyMs: signUp.summary(),
    pollIntervalMs: settings.probePollMs,
    errors: { total: sink.errors.length, messages: [...new Set(sink.errors)].slice(0, 5) },
    ...extra
  }
}

async function probeIdle () {
  const sink = { samples: [], errors: [] }
  let done = 0
  await probeLoop(() => done++ >= settings.probeSamples, 0, 1, sink)
  return probeSummary('link-merge-idle', 'Link → merged cart readable, idle (one probe at a time)', sink)
}

async function probeUnderLoad () {
  const { flows, ...options } = linkFlowOptions()
  const sink = { samples: [], errors: [] }
  let stop = false
  const loadSeconds = settings.warmupSeconds + settings.probeSeconds
  const before = cpuSnapshot()
  const load = runAutocannon({ ...options, connections: settings.connections, duration: loadSeconds })
  await sleep(settings.warmupSeconds * 1000)
  const probes = Array.from({ length: settings.probeWorkers },
    (_, worker) => probeLoop(() => stop, worker, settings.probeWorkers, sink))
  const result = await load
  stop = true
  await Promise.all(probes)
  const after = cpuSnapshot()
  const loadErrors = result.errors + result.non2xx + result.mismatches
  sink.errors.push(...Array(loadErrors).fill('link-flow load request failed'))
  return probeSummary('link-merge-under-load',
    `Link → merged cart readable, under link-flow load (${settings.connections} connections + ${settings.probeWorkers} probes)`,
    sink,
    {
      load: {
        connections: settings.connections,
        seconds: loadSeconds,
        flowsPerSecond: round(flows.completed / loadSeconds, 1),
        flowLatencyMs: flows.latency.summary(),
        errors: loadErrors
      },
      cpu: cpuUsed(before, after)
    })
}

// ---------------------------------------------------------------------------------------------

async function main () {
  const startedAt = new Date()
  const loadBefore = loadAverage()
  const rounds = []
  for (let round = 1; round <= settings.rounds; round++) {
    const scenarios = []
    for (const definition of scenarioDefinitions) {
      if (only && !only.has(definition.name)) continue
      log(`round ${round}: ${definition.name}`)
      scenarios.push(await measure(definition, round))
      report(scenarios.at(-1))
    }
    if (!only || only.has('link-merge-idle')) {
      log(`round ${round}: link-merge-idle`)
      scenarios.push(await probeIdle())
      report(scenarios.at(-1))
    }
    if (!only || only.has('link-merge-under-load')) {
      log(`round ${round}: link-merge-under-load`)
      scenarios.push(await probeUnderLoad())
      report(scenarios.at(-1))
    }
    rounds.push({ round, scenarios, memoryAfter: memoryMiB(servicePids) })
    log(`round ${round}: memory ${JSON.stringify(rounds.at(-1).memoryAfter)}`)
  }

  const output = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings,
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAverage(),
      node: process.version,
      autocannon: JSON.parse(readFileSync(new URL('../node_modules/autocannon/package.json', import.meta.url))).version
    },
    urls: { auth, cart, ceiling },
    note: args.note,
    rounds
  }
  writeFileSync(args.out, JSON.stringify(output, null, 2) + '\n')

  const failures = rounds.flatMap(r => r.scenarios.filter(s => s.errors.total > 0 || (s.samples ?? s.completed) === 0)
    .map(s => `round ${r.round} ${s.name}: ${s.errors.total} error(s), ${s.samples ?? s.completed} completed ${JSON.stringify(s.errors)}`))
  if (failures.length > 0) {
    console.error(`FAILED:\n  ${failures.join('\n  ')}`)
    process.exitCode = 1
  }
}

function log (message) {
  console.log(`[bench] ${message}`)
}

function report (scenario) {
  if (scenario.mergeLatencyMs) {
    const m = scenario.mergeLatencyMs
    log(`  ${scenario.samples} samples, merge p50 ${m.p50} ms p99 ${m.p99} ms max ${m.max} ms, errors ${scenario.errors.total}` +
      (scenario.load ? `; load ${scenario.load.flowsPerSecond} flows/s` : ''))
  } else {
    const l = scenario.latencyMs
    log(`  ${scenario.rate} ${scenario.unit}, p50 ${l.p50} ms p90 ${l.p90} ms p99 ${l.p99} ms, errors ${scenario.errors.total}, ` +
      `cpu ${Object.entries(scenario.cpu.cores).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  }
}

await main()
