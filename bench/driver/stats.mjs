// A fixed-resolution latency histogram: 10 µs buckets up to 10 s (slower answers land in the
// last bucket; max stays exact). O(1) to record, so the load generator spends next to nothing on
// bookkeeping; autocannon's own histogram keeps whole milliseconds only.
const resolutionMs = 0.01
const buckets = 1_000_000

export class Histogram {
  constructor () {
    this.counts = new Uint32Array(buckets + 1)
    this.count = 0
    this.sum = 0
    this.max = 0
  }

  record (ms) {
    const index = Math.min(buckets, Math.max(0, Math.round(ms / resolutionMs)))
    this.counts[index]++
    this.count++
    this.sum += ms
    if (ms > this.max) this.max = ms
  }

  percentile (p) {
    if (this.count === 0) return null
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let i = 0; i <= buckets; i++) {
      seen += this.counts[i]
      if (seen >= rank) return i * resolutionMs
    }
    return this.max
  }

  summary () {
    const r = value => value === null ? null : Math.round(value * 100) / 100
    return {
      count: this.count,
      p50: r(this.percentile(50)),
      p90: r(this.percentile(90)),
      p99: r(this.percentile(99)),
      max: r(this.count ? this.max : null),
      mean: r(this.count ? this.sum / this.count : null)
    }
  }
}
