using System.Diagnostics;
using System.Globalization;
using System.Text;
using Geralt;

// Usage: HashCost [memoryKiB] [iterations] [samples]
// Times Argon2id hashing and verification (libsodium through Geralt, as Auth.Api's PasswordHasher
// does) one at a time on one thread, and prints one JSON object. The defaults are Auth.Api's
// parameters; bench/run.sh passes the ones it read from a hash Auth.Api actually stored.
var memoryKiB = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 19 * 1024;
var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
var samples = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;

var password = Encoding.UTF8.GetBytes("correct horse battery staple");
var encoded = new char[Argon2id.HashSize];

// The first call pays for loading libsodium and touching fresh memory.
Argon2id.ComputeHash(encoded, password, iterations, memoryKiB * 1024);
var stored = new string(encoded).TrimEnd('\0');

var hashMs = Measure(() => Argon2id.ComputeHash(encoded, password, iterations, memoryKiB * 1024));
var verifyMs = Measure(() =>
{
    if (!Argon2id.VerifyHash(stored, password))
    {
        throw new InvalidOperationException("verification failed");
    }
});

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $$"""
    {"algorithm":"argon2id","library":"libsodium (Geralt)","memoryKiB":{{memoryKiB}},"iterations":{{iterations}},"parallelism":1,"samples":{{samples}},"hashMs":{{Summary(hashMs)}},"verifyMs":{{Summary(verifyMs)}},"format":"{{string.Join('$', stored.Split('$')[..4])}}$<salt>$<hash>"}
    """));

double[] Measure(Action action)
{
    var times = new double[samples];
    for (var i = 0; i < samples; i++)
    {
        var started = Stopwatch.GetTimestamp();
        action();
        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(times);
    return times;
}

static string Summary(double[] sorted) => string.Create(CultureInfo.InvariantCulture,
    $$"""{"min":{{sorted[0]:F1}},"median":{{sorted[sorted.Length / 2]:F1}},"mean":{{sorted.Average():F1}},"max":{{sorted[^1]:F1}}}""");
