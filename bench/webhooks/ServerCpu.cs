using System.Diagnostics;
using System.Globalization;
using Accounting.Testing;

namespace Accounting.Bench.Webhooks;

/// <summary>
/// CPU time used so far by this process and by ./dev's PostgreSQL (postmaster and its backends) and
/// RabbitMQ, read from /proc. On a machine shared with other work, wall-clock rates move with
/// everyone else's load; the CPU each delivery costs does not, so it is the figure to compare.
/// </summary>
internal sealed record CpuTimes(TimeSpan Bench, TimeSpan Postgres, TimeSpan RabbitMq)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private static readonly string State = Path.Combine(Path.GetDirectoryName(TestEnvironment.DevScript)!, ".state");

    public static CpuTimes Now()
    {
        using var self = Process.GetCurrentProcess();
        var postmaster = PidIn(Path.Combine(State, "postgres", "data", "postmaster.pid"));
        var postgres = postmaster is { } pid
            ? Directory.EnumerateDirectories("/proc").Select(d => Stat(Path.GetFileName(d))).Where(s => s.Pid == pid || s.ParentPid == pid).Sum(s => s.Ticks)
            : 0;
        var broker = PidIn(Path.Combine(State, "rabbitmq", "rabbitmq.pid")) is { } beam ? Stat(beam.ToString(CultureInfo.InvariantCulture)).Ticks : 0;
        return new(self.TotalProcessorTime, TimeSpan.FromSeconds(postgres / TicksPerSecond), TimeSpan.FromSeconds(broker / TicksPerSecond));
    }

    public static CpuTimes operator -(CpuTimes after, CpuTimes before) =>
        new(after.Bench - before.Bench, after.Postgres - before.Postgres, after.RabbitMq - before.RabbitMq);

    public string PerDelivery(int deliveries)
    {
        string Per(TimeSpan time) => (time.TotalMilliseconds / Math.Max(deliveries, 1)).ToString("0.00", CultureInfo.InvariantCulture);
        return $"CPU per delivery {Per(Bench)} ms in the benchmark's process (service, receivers, writers), {Per(Postgres)} ms PostgreSQL, {Per(RabbitMq)} ms RabbitMQ";
    }

    private static int? PidIn(string file) =>
        File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private static (int Pid, int ParentPid, long Ticks) Stat(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(pid, CultureInfo.InvariantCulture), int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0, 0);
        }
    }
}
